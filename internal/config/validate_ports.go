package config

// Validating ports, the references to them, and ingress.

import (
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

func (v *validator) ports(sp string, s *Service) {
	names := map[string]int{}
	numbers := map[string]int{}
	for i := range s.Ports {
		pt := &s.Ports[i]
		pp := sp + "/ports/" + strconv.Itoa(i)
		if pt.Name != "" {
			if errs := validation.IsValidPortName(pt.Name); len(errs) > 0 {
				v.errorAt(pp+"/name", fmt.Sprintf("invalid port name %q: %s", pt.Name, nameProblem(errs)), "port names are at most 15 lowercase letters, digits and '-', with at least one letter, e.g. http")
			}
			if j, dup := names[pt.Name]; dup {
				v.errorAt(pp+"/name", fmt.Sprintf("port name %q is already used by ports[%d]", pt.Name, j), "give each port its own name")
			}
			names[pt.Name] = i
		}
		if errs := validation.IsValidPortNum(int(pt.Port)); len(errs) > 0 {
			v.errorAt(pp+"/port", fmt.Sprintf("invalid port %d: %s", pt.Port, strings.Join(errs, "; ")), "ports are 1-65535")
		}
		if pt.TargetPort != 0 {
			if errs := validation.IsValidPortNum(int(pt.TargetPort)); len(errs) > 0 {
				v.errorAt(pp+"/targetPort", fmt.Sprintf("invalid targetPort %d: %s", pt.TargetPort, strings.Join(errs, "; ")), "ports are 1-65535")
			}
		}
		key := orDefault(pt.Protocol, "TCP") + "/" + strconv.Itoa(int(pt.Port))
		if j, dup := numbers[key]; dup {
			v.errorAt(pp+"/port", fmt.Sprintf("port %s is already defined by ports[%d]", key, j), "each port number may appear once per protocol")
		}
		numbers[key] = i
		if pt.NodePort != 0 {
			if pt.NodePort < 30000 || pt.NodePort > 32767 {
				v.errorAt(pp+"/nodePort", fmt.Sprintf("nodePort %d is outside 30000-32767", pt.NodePort), "Kubernetes allocates node ports from 30000-32767 by default; pick one there or leave nodePort out")
			}
			if s.Expose != ExposeNodePort && s.Expose != ExposeLoadBalancer {
				v.errorAt(pp+"/nodePort", "nodePort needs expose: NodePort or LoadBalancer", "add `expose: NodePort`, or remove nodePort")
			}
		}
	}
	if len(s.Ports) > 1 {
		for i := range s.Ports {
			if s.Ports[i].Name == "" {
				v.errorAt(sp+"/ports/"+strconv.Itoa(i), "a service with several ports must name each port", "add `name: http` (or another name, at most 15 characters)")
			}
		}
	}
	switch s.Expose {
	case ExposeNodePort, ExposeLoadBalancer, ExposeClusterIP:
		if len(s.Ports) == 0 {
			v.errorAt(sp+"/expose", fmt.Sprintf("expose: %s needs at least one port", s.Expose), "add `ports: [{port: 80, targetPort: 8080}]`, or remove expose")
		}
	}
}

// portRef checks a reference to one of the service's ports. Numbers that
// are not declared are allowed for probes (a container may listen on an
// undeclared port) but must be valid.
func (v *validator) portRef(p string, s *Service, ref PortRef, allowUndeclared bool) {
	if ref.IsZero() {
		v.errorAt(p, "port is required", "name one of the service's ports, e.g. http, or give a number")
		return
	}
	if ref.Name != "" {
		if s.Port(ref) == nil {
			var names []string
			for _, pt := range s.Ports {
				if pt.Name != "" {
					names = append(names, pt.Name)
				}
			}
			hint := "add a port with that name under ports, or use a port number"
			if len(names) > 0 {
				hint = "the service's ports are: " + strings.Join(names, ", ")
				if sg := suggest(ref.Name, names); sg != "" {
					hint = fmt.Sprintf("did you mean %q? (%s)", sg, hint)
				}
			}
			v.errorAt(p, fmt.Sprintf("no port named %q in this service", ref.Name), hint)
		}
		return
	}
	if errs := validation.IsValidPortNum(int(ref.Number)); len(errs) > 0 {
		v.errorAt(p, fmt.Sprintf("invalid port %d", ref.Number), "ports are 1-65535")
		return
	}
	if !allowUndeclared && s.Port(ref) == nil {
		v.errorAt(p, fmt.Sprintf("port %d is not one of the service's ports", ref.Number), "add it under ports, or name an existing port")
	}
}

func (v *validator) ingress(sp string, s *Service) {
	in := s.Ingress
	if in == nil {
		return
	}
	ip := sp + "/ingress"
	if in.Host != "" {
		host := strings.TrimPrefix(in.Host, "*.")
		if errs := validation.IsDNS1123Subdomain(host); len(errs) > 0 {
			v.errorAt(ip+"/host", fmt.Sprintf("invalid host %q: %s", in.Host, nameProblem(errs)), "a DNS name such as example.org, without scheme or port")
		}
	}
	if in.Path != "" && !strings.HasPrefix(in.Path, "/") {
		v.errorAt(ip+"/path", fmt.Sprintf("ingress path %q must start with /", in.Path), "write it as /"+in.Path)
	}
	if len(s.Ports) == 0 {
		v.errorAt(ip, "ingress needs the service to have a port", "add `ports: [{name: http, port: 80, targetPort: 8080}]`")
		return
	}
	if s.Expose == ExposeNone {
		v.errorAt(ip, "ingress needs a Service, but expose is None", "use expose: ClusterIP (the default), or remove the ingress")
	}
	if !in.Port.IsZero() {
		v.portRef(ip+"/port", s, in.Port, false)
	}
	if in.TLS != nil && in.TLS.SecretName == "" {
		v.errorAt(ip+"/tls", "ingress tls needs secretName", "name the Secret holding tls.crt and tls.key")
	}
}
