package registry

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Error is a registry failure explained: what happened at which registry,
// and what to do about it (Hint). The original error is kept for
// errors.Is/As.
type Error struct {
	Registry string
	Msg      string
	hint     string
	Err      error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// Hint is the way out the CLI prints under the error.
func (e *Error) Hint() string { return e.hint }

// Explain turns an error from talking to registry into an *Error with a
// clear message and a hint; source says where the credentials came from
// (Access.Source). Errors it does not recognise are returned as they are.
// Messages never carry credentials: URLs lose their user info.
func Explain(err error, registry, source string) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	e := &Error{Registry: registry, Err: err}
	login := "run berth registry login " + registry + " (or docker login " + registry + ")"
	switch registry {
	case DOCR:
		login = "set DIGITALOCEAN_ACCESS_TOKEN to a token with registry access, or run berth registry login " + DOCR
	case GHCR:
		login = "set GITHUB_TOKEN (in GitHub Actions: permissions: packages: write), or run berth registry login " + GHCR
	}
	var te *transport.Error
	var dns *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.As(err, &unknownCA), errors.As(err, &hostname), errors.As(err, &verify),
		// ggcr's ping folds the https and http attempts into one message.
		strings.Contains(err.Error(), "tls: failed to verify certificate"),
		strings.Contains(err.Error(), "x509: certificate signed by unknown authority"):
		e.Msg = fmt.Sprintf("registry %s: TLS certificate not trusted (%s)", registry, certReason(err))
		e.hint = "pass the CA certificate with --registry-ca FILE (or SSL_CERT_FILE), or for a registry you control, --insecure-registry " + registry
	case errors.As(err, &te):
		detail := registryDetail(te)
		switch te.StatusCode {
		case http.StatusUnauthorized:
			e.Msg = fmt.Sprintf("registry %s refused the credentials (401 Unauthorized; credentials from %s)%s", registry, source, detail)
			e.hint = login
		case http.StatusForbidden:
			if quota(te) {
				e.Msg = fmt.Sprintf("registry %s refused the upload: storage quota or plan limit reached (403)%s", registry, detail)
				e.hint = "free space (delete old tags and run garbage collection) or raise the registry's plan"
			} else {
				e.Msg = fmt.Sprintf("registry %s denied access (403 Forbidden; credentials from %s)%s", registry, source, detail)
				e.hint = "the account can log in but may not push or pull this repository: check its permissions, or " + login
			}
		case http.StatusNotFound:
			e.Msg = fmt.Sprintf("registry %s has no such repository or image (404)%s", registry, detail)
			e.hint = "check the image name and tag; push the image first (berth build)"
		case http.StatusTooManyRequests:
			e.Msg = fmt.Sprintf("registry %s is rate limiting berth (429 Too Many Requests), still after retries%s", registry, detail)
			e.hint = "wait and try again, or log in: authenticated pulls have higher limits"
		default:
			if te.StatusCode >= 500 {
				e.Msg = fmt.Sprintf("registry %s failed with HTTP %d, still after retries%s", registry, te.StatusCode, detail)
				e.hint = "the registry is having trouble; try again later"
			} else {
				return err
			}
		}
	case errors.As(err, &dns):
		e.Msg = fmt.Sprintf("registry host %s is unknown (DNS lookup failed: %s)", dns.Name, dns.Err)
		e.hint = "check the registry name in berth.yaml (registry:) and your network or VPN"
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Msg = fmt.Sprintf("registry %s refused the connection: nothing listens there", registry)
		e.hint = "start the registry, or check the host and port in berth.yaml (registry:)"
	case strings.Contains(err.Error(), "http: server gave HTTP response to HTTPS client"):
		e.Msg = fmt.Sprintf("registry %s speaks plain HTTP, not HTTPS", registry)
		e.hint = "pass --insecure-registry " + registry + " for a plain-HTTP registry"
	default:
		if msg := redact(err.Error()); msg != err.Error() {
			return &Error{Registry: registry, Msg: msg, Err: err}
		}
		return err
	}
	return e
}

// registryDetail is the registry's own error text, when it sent one.
func registryDetail(te *transport.Error) string {
	var parts []string
	for _, d := range te.Errors {
		if d.Message != "" {
			parts = append(parts, d.Message)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + redact(strings.Join(parts, "; "))
}

func quota(te *transport.Error) bool {
	text := strings.ToLower(te.Error())
	for _, w := range []string{"quota", "storage limit", "plan limit", "exceeds", "too many repositories"} {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

func certReason(err error) string {
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	switch {
	case errors.As(err, &unknownCA):
		return "signed by an unknown authority"
	case errors.As(err, &hostname):
		return "issued for another host name: " + hostname.Error()
	case strings.Contains(err.Error(), "x509: certificate signed by unknown authority"):
		return "signed by an unknown authority"
	}
	return redact(err.Error())
}

// Scrub cuts credentials out of an error's message: each secret, and the
// base64 forms a registry could echo (of the secret, and of USER:SECRET as
// in Basic auth headers). A registry or proxy that echoes the request it
// got must not put a password or token on screen.
func Scrub(err error, user string, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	out := msg
	for _, s := range secrets {
		if len(s) < 4 { // too short to cut out without mangling the text
			continue
		}
		for _, form := range []string{s, base64.StdEncoding.EncodeToString([]byte(user + ":" + s)), base64.StdEncoding.EncodeToString([]byte(s))} {
			out = strings.ReplaceAll(out, form, "(redacted)")
		}
	}
	if out == msg {
		return err
	}
	e := &Error{Msg: out, Err: errors.New(out)}
	var re *Error
	if errors.As(err, &re) {
		e.Registry, e.hint = re.Registry, re.hint
	}
	return e
}

// redact strips user info from any URL in s.
func redact(s string) string {
	fields := strings.Fields(s)
	for i, f := range fields {
		trimmed := strings.Trim(f, `"'(),;`)
		if u, err := url.Parse(trimmed); err == nil && u.User != nil {
			u.User = nil
			fields[i] = strings.Replace(f, trimmed, u.String(), 1)
		}
	}
	return strings.Join(fields, " ")
}
