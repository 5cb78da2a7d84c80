// Copyright 2026 The mcp_exporter Authors
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
// http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

package main

// The Kubernetes manifests the tests read, whoever rendered them: the Helm
// chart's (charts_test.go, helm template) and the examples' (examples_test.go,
// kustomize build). One object type, one decoder, one pod spec and one check
// of a hardened pod serve both.

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// k8sObject is the part of a Kubernetes object the tests look at; spec is
// decoded by kind with decodeSpec.
type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name        string            `yaml:"name"`
		Namespace   string            `yaml:"namespace"`
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Type       string            `yaml:"type"` // Secret
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
	Spec       yaml.Node         `yaml:"spec"`
}

// k8sObjects are the objects of a rendered or built manifest, in order.
type k8sObjects []k8sObject

// decodeManifests decodes every document of a multi-document manifest, out,
// which what made. An empty document is passed over; any other must have a
// kind, an apiVersion and a name of at most 63 characters.
func decodeManifests(t *testing.T, what string, out []byte) k8sObjects {
	t.Helper()
	var objs k8sObjects
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for i := 0; ; i++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s, document %d: %v\n%s", what, i+1, err, out)
		}
		if len(doc.Content) == 0 || doc.Content[0].Tag == "!!null" {
			continue // an empty document
		}
		var o k8sObject
		if err := doc.Decode(&o); err != nil {
			t.Fatalf("%s, document %d: %v\n%s", what, i+1, err, out)
		}
		if o.Kind == "" || o.APIVersion == "" || o.Metadata.Name == "" {
			t.Errorf("%s, document %d (%s %s) has no kind, apiVersion or name", what, i+1, o.Kind, o.Metadata.Name)
		}
		if len(o.Metadata.Name) > 63 {
			t.Errorf("%s: %s %s: the name is longer than 63 characters", what, o.Kind, o.Metadata.Name)
		}
		objs = append(objs, o)
	}
	return objs
}

// decodeSpec decodes an object's spec into v.
func decodeSpec(t *testing.T, o k8sObject, v any) {
	t.Helper()
	if err := o.Spec.Decode(v); err != nil {
		t.Fatalf("%s %s: spec: %v", o.Kind, o.Metadata.Name, err)
	}
}

// kinds counts the objects by kind.
func (objs k8sObjects) kinds() map[string]int {
	k := map[string]int{}
	for _, o := range objs {
		k[o.Kind]++
	}
	return k
}

// all is the objects of a kind, in order.
func (objs k8sObjects) all(kind string) k8sObjects {
	var out k8sObjects
	for _, o := range objs {
		if o.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}

// one is the one object of a kind; there must be exactly one.
func (objs k8sObjects) one(t *testing.T, kind string) k8sObject {
	t.Helper()
	all := objs.all(kind)
	if len(all) != 1 {
		t.Fatalf("%d objects of kind %s, want 1", len(all), kind)
	}
	return all[0]
}

// find is the object of that kind and name, or nil.
func (objs k8sObjects) find(kind, name string) *k8sObject {
	for i, o := range objs {
		if o.Kind == kind && o.Metadata.Name == name {
			return &objs[i]
		}
	}
	return nil
}

// names lists kind/name of every object, sorted.
func (objs k8sObjects) names() []string {
	var names []string
	for _, o := range objs {
		names = append(names, o.Kind+"/"+o.Metadata.Name)
	}
	slices.Sort(names)
	return names
}

// deployment decodes the one Deployment's spec.
func (objs k8sObjects) deployment(t *testing.T) *workloadSpec {
	t.Helper()
	var d workloadSpec
	decodeSpec(t, objs.one(t, "Deployment"), &d)
	return &d
}

// isSubset: sub is a non-empty label selector that labels match.
func isSubset(sub, of map[string]string) bool {
	for k, v := range sub {
		if of[k] != v {
			return false
		}
	}
	return len(sub) > 0
}

// workloadSpec is a Deployment's or a StatefulSet's spec.
type workloadSpec struct {
	Replicas    *int   `yaml:"replicas"`
	ServiceName string `yaml:"serviceName"` // StatefulSet
	Selector    struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	} `yaml:"selector"`
	Template struct {
		Metadata struct {
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"metadata"`
		Spec podSpec `yaml:"spec"`
	} `yaml:"template"`
}

// container is the named container of the pod template.
func (d *workloadSpec) container(t *testing.T, name string) k8sContainer {
	t.Helper()
	for _, c := range d.Template.Spec.Containers {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("the pod template has no container %s", name)
	return k8sContainer{}
}

type podSpec struct {
	AutomountServiceAccountToken *bool           `yaml:"automountServiceAccountToken"`
	SecurityContext              securityContext `yaml:"securityContext"`
	Containers                   []k8sContainer  `yaml:"containers"`
	Volumes                      []struct {
		Name      string `yaml:"name"`
		ConfigMap *struct {
			Name string `yaml:"name"`
		} `yaml:"configMap"`
		Secret *struct {
			SecretName  string `yaml:"secretName"`
			DefaultMode int    `yaml:"defaultMode"`
		} `yaml:"secret"`
		Projected *struct {
			DefaultMode int `yaml:"defaultMode"`
			Sources     []struct {
				ServiceAccountToken *struct {
					Audience          string `yaml:"audience"`
					ExpirationSeconds int    `yaml:"expirationSeconds"`
					Path              string `yaml:"path"`
				} `yaml:"serviceAccountToken"`
			} `yaml:"sources"`
		} `yaml:"projected"`
	} `yaml:"volumes"`
}

type k8sContainer struct {
	Name  string   `yaml:"name"`
	Image string   `yaml:"image"`
	Args  []string `yaml:"args"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	LivenessProbe  *httpProbe `yaml:"livenessProbe"`
	ReadinessProbe *httpProbe `yaml:"readinessProbe"`
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext securityContext `yaml:"securityContext"`
	VolumeMounts    []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
}

// securityContext is a pod's or a container's; a container's fields
// override the pod's.
type securityContext struct {
	RunAsNonRoot             *bool `yaml:"runAsNonRoot"`
	RunAsUser                *int  `yaml:"runAsUser"`
	ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
	AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
	Privileged               *bool `yaml:"privileged"`
	Capabilities             struct {
		Drop []string `yaml:"drop"`
		Add  []string `yaml:"add"`
	} `yaml:"capabilities"`
	SeccompProfile *struct {
		Type string `yaml:"type"`
	} `yaml:"seccompProfile"`
}

type httpProbe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
}

type serviceSpec struct {
	ClusterIP                string            `yaml:"clusterIP"`
	PublishNotReadyAddresses bool              `yaml:"publishNotReadyAddresses"`
	Selector                 map[string]string `yaml:"selector"`
	Ports                    []struct {
		Name       string `yaml:"name"`
		Port       int    `yaml:"port"`
		TargetPort any    `yaml:"targetPort"`
	} `yaml:"ports"`
}

type probeSpec struct {
	JobName string `yaml:"jobName"`
	Module  string `yaml:"module"`
	Prober  struct {
		URL    string `yaml:"url"`
		Path   string `yaml:"path"`
		Scheme string `yaml:"scheme"`
	} `yaml:"prober"`
	Targets struct {
		StaticConfig struct {
			Static []string          `yaml:"static"`
			Labels map[string]string `yaml:"labels"`
		} `yaml:"staticConfig"`
	} `yaml:"targets"`
}

type serviceMonitorSpec struct {
	Selector struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	} `yaml:"selector"`
	Endpoints []monitorEndpoint `yaml:"endpoints"`
}

type monitorEndpoint struct {
	Port          string              `yaml:"port"`
	Path          string              `yaml:"path"`
	Interval      string              `yaml:"interval"`
	ScrapeTimeout string              `yaml:"scrapeTimeout"`
	Params        map[string][]string `yaml:"params"`
	Relabelings   []struct {
		TargetLabel string `yaml:"targetLabel"`
		Replacement string `yaml:"replacement"`
		Action      string `yaml:"action"`
	} `yaml:"relabelings"`
	MetricRelabelings []struct {
		TargetLabel string `yaml:"targetLabel"`
		Replacement string `yaml:"replacement"`
	} `yaml:"metricRelabelings"`
}

// checkHardened checks a pod and every container of it: no service account
// token; the pod's securityContext non-root with the runtime's seccomp
// profile; each container, with the pod's securityContext under its own,
// not root, not privileged, no privilege escalation, a read-only root
// filesystem, the runtime's seccomp profile, capabilities drop [ALL] and
// none added, resource requests and a memory limit, a liveness and a
// readiness probe.
func checkHardened(t *testing.T, what string, pod podSpec) {
	t.Helper()
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Errorf("%s: the pod mounts a service account token; the exporter does not use the Kubernetes API", what)
	}
	ps := pod.SecurityContext
	if ps.RunAsNonRoot == nil || !*ps.RunAsNonRoot || ps.RunAsUser == nil || *ps.RunAsUser == 0 {
		t.Errorf("%s: the pod does not run as a non-root user: runAsNonRoot %v, runAsUser %v", what, deref(ps.RunAsNonRoot), deref(ps.RunAsUser))
	}
	if ps.SeccompProfile == nil || ps.SeccompProfile.Type != "RuntimeDefault" {
		t.Errorf("%s: the pod's seccompProfile is %+v, want RuntimeDefault", what, ps.SeccompProfile)
	}
	if len(pod.Containers) == 0 {
		t.Errorf("%s: the pod has no containers", what)
	}
	for _, c := range pod.Containers {
		cs := c.SecurityContext
		for key, got := range map[string]struct {
			v    *bool
			want bool
		}{
			"runAsNonRoot":             {first(cs.RunAsNonRoot, ps.RunAsNonRoot), true},
			"readOnlyRootFilesystem":   {first(cs.ReadOnlyRootFilesystem, ps.ReadOnlyRootFilesystem), true},
			"allowPrivilegeEscalation": {first(cs.AllowPrivilegeEscalation, ps.AllowPrivilegeEscalation), false},
		} {
			if got.v == nil || *got.v != got.want {
				t.Errorf("%s, container %s: securityContext.%s is %v, want %v", what, c.Name, key, deref(got.v), got.want)
			}
		}
		if uid := first(cs.RunAsUser, ps.RunAsUser); uid == nil || *uid == 0 {
			t.Errorf("%s, container %s: runAsUser is %v, want a non-root uid", what, c.Name, deref(uid))
		}
		if p := first(cs.Privileged, ps.Privileged); p != nil && *p {
			t.Errorf("%s: container %s is privileged", what, c.Name)
		}
		if !slices.Equal(cs.Capabilities.Drop, []string{"ALL"}) || cs.Capabilities.Add != nil {
			t.Errorf("%s, container %s: capabilities %+v, want drop [ALL] and nothing added", what, c.Name, cs.Capabilities)
		}
		if seccomp := first(cs.SeccompProfile, ps.SeccompProfile); seccomp == nil || seccomp.Type != "RuntimeDefault" {
			t.Errorf("%s, container %s: seccompProfile %+v, want RuntimeDefault", what, c.Name, seccomp)
		}
		if len(c.Resources.Requests) == 0 || len(c.Resources.Limits) == 0 || c.Resources.Limits["memory"] == "" {
			t.Errorf("%s, container %s: resources %+v, want requests and a memory limit", what, c.Name, c.Resources)
		}
		if c.LivenessProbe == nil || c.ReadinessProbe == nil {
			t.Errorf("%s, container %s: no liveness or readiness probe", what, c.Name)
		}
	}
}

// first is the container's setting if it has one, else the pod's.
func first[T any](container, pod *T) *T {
	if container != nil {
		return container
	}
	return pod
}

// deref prints an unset setting as <nil>.
func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
