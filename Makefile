# Builds, tests and lints mcp_exporter without promu. The build injects the
# same version information as promu (.promu.yml) and the Dockerfile:
# version (the VERSION file), revision, branch, build user and date, shown
# by mcp_exporter --version and in mcp_exporter_build_info.

GO           ?= go
GOFMT        ?= gofmt
STATICCHECK  ?= $(firstword $(subst :, ,$(shell $(GO) env GOPATH)))/bin/staticcheck
BINARY       ?= mcp_exporter
DOCKER       ?= docker
DOCKER_IMAGE ?= mcp_exporter

VERSION    ?= $(shell cat VERSION)
REVISION   ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
BRANCH     ?= $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)
BUILD_USER ?= $(shell id -un 2>/dev/null || echo unknown)@$(shell hostname 2>/dev/null || echo unknown)
BUILD_DATE ?= $(shell date -u +%Y%m%d-%H:%M:%S)

VERSION_PKG := github.com/prometheus/common/version
LDFLAGS := -s -w \
	-X $(VERSION_PKG).Version=$(VERSION) \
	-X $(VERSION_PKG).Revision=$(REVISION) \
	-X $(VERSION_PKG).Branch=$(BRANCH) \
	-X $(VERSION_PKG).BuildUser=$(BUILD_USER) \
	-X $(VERSION_PKG).BuildDate=$(BUILD_DATE)

.PHONY: all
all: lint test build

# A static binary, as the Dockerfile builds it.
.PHONY: build
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BINARY) .

# The README's test command (-race needs cgo and a C compiler).
.PHONY: test
test:
	$(GO) test -race ./...

.PHONY: lint
lint:
	@unformatted="$$($(GOFMT) -l $$(git ls-files '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	@if [ -x "$(STATICCHECK)" ]; then echo "$(STATICCHECK) ./..."; "$(STATICCHECK)" ./...; \
	else echo "staticcheck is not installed ($(STATICCHECK)); .ci/run installs it"; fi

# The image, with the same build information as make build.
.PHONY: docker
docker:
	$(DOCKER) build \
		--build-arg VERSION=$(VERSION) \
		--build-arg REVISION=$(REVISION) \
		--build-arg BRANCH=$(BRANCH) \
		--build-arg BUILD_USER=$(BUILD_USER) \
		--build-arg BUILD_DATE=$(BUILD_DATE) \
		-t $(DOCKER_IMAGE):$(VERSION) .

.PHONY: clean
clean:
	rm -f $(BINARY)
