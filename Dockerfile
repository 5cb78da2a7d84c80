# Build:  make docker   (the build information of make build, as build args), or
#         docker build --build-arg VERSION=$(cat VERSION) --build-arg REVISION=$(git rev-parse HEAD) \
#           --build-arg BRANCH=$(git rev-parse --abbrev-ref HEAD) --build-arg BUILD_USER=$(id -un)@$(hostname) \
#           --build-arg BUILD_DATE=$(date -u +%Y%m%d-%H:%M:%S) -t mcp_exporter .
# Run:    docker run -p 10115:10115 mcp_exporter
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG BRANCH=unknown
ARG BUILD_USER=docker
ARG BUILD_DATE=unknown
# A static binary, built as make build builds it (the tests compare the two
# commands); the build information reaches --version and
# mcp_exporter_build_info.
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w \
        -X github.com/prometheus/common/version.Version=${VERSION} \
        -X github.com/prometheus/common/version.Revision=${REVISION} \
        -X github.com/prometheus/common/version.Branch=${BRANCH} \
        -X github.com/prometheus/common/version.BuildUser=${BUILD_USER} \
        -X github.com/prometheus/common/version.BuildDate=${BUILD_DATE}" \
      -o /out/mcp_exporter .

# No shell, no package manager, a non-root user (65532).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/mcp_exporter /bin/mcp_exporter
COPY mcp_exporter.yml /etc/mcp_exporter/mcp_exporter.yml
USER 65532:65532
EXPOSE 10115
ENTRYPOINT ["/bin/mcp_exporter"]
CMD ["--config.file=/etc/mcp_exporter/mcp_exporter.yml"]
