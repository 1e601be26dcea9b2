package secrets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"filippo.io/age"

	"github.com/berth-dev/berth/internal/config"
)

// noteType is the age stanza type that names a recipient in the header.
const noteType = "berth-recipient"

// Encrypt encrypts a value to the recipients and formats it as
// ENC[age:…].
func Encrypt(value string, recipients []string) (string, error) {
	if len(recipients) == 0 {
		return "", errors.New("no recipients")
	}
	n := noted{}
	for _, s := range recipients {
		r, err := config.ParseRecipient(s)
		if err != nil {
			return "", fmt.Errorf("recipient %s: %w", shortName(s), err)
		}
		n.rs = append(n.rs, r)
		n.names = append(n.names, shortName(s))
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, n)
	if err != nil {
		return "", err
	}
	if _, err := io.WriteString(w, value); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	return config.FormatEncrypted(buf.Bytes()), nil
}

// noted is one age recipient that wraps the file key for every real
// recipient and adds a berth-recipient stanza naming each.
type noted struct {
	rs    []age.Recipient
	names []string
}

func (n noted) Wrap(fileKey []byte) ([]*age.Stanza, error) {
	s, _, err := n.WrapWithLabels(fileKey)
	return s, err
}

func (n noted) WrapWithLabels(fileKey []byte) ([]*age.Stanza, []string, error) {
	var out []*age.Stanza
	var labels []string
	for i, r := range n.rs {
		var (
			s   []*age.Stanza
			l   []string
			err error
		)
		if rl, ok := r.(age.RecipientWithLabels); ok {
			s, l, err = rl.WrapWithLabels(fileKey)
		} else {
			s, err = r.Wrap(fileKey)
		}
		if err != nil {
			return nil, nil, err
		}
		slices.Sort(l)
		if i == 0 {
			labels = l
		} else if !slices.Equal(labels, l) {
			return nil, nil, errors.New("post-quantum (age1pq1…) and classic (age1…) recipients cannot be mixed: list one kind only")
		}
		out = append(out, s...)
	}
	for _, name := range n.names {
		out = append(out, &age.Stanza{Type: noteType, Args: []string{name}})
	}
	return out, labels, nil
}

// shortName is a recipient as the header names it: post-quantum
// recipients are some 2,000 characters long, so they are shortened.
func shortName(r string) string {
	if len(r) <= 90 {
		return r
	}
	return r[:24] + "..." + r[len(r)-8:]
}

// Recipients are the recipients an ENC[age:…] value names in its header
// (none for values encrypted by other tools).
func Recipients(value string) []string {
	b, err := config.AgeFile(value)
	if err != nil {
		return nil
	}
	header, _, _ := bytes.Cut(b, []byte("\n--- "))
	var out []string
	for _, line := range strings.Split(string(header), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[0] == "->" && f[1] == noteType {
			out = append(out, f[2])
		}
	}
	return out
}

// ErrNoKey is a value none of the keys can decrypt.
var ErrNoKey = errors.New("no key can decrypt it")

// Decrypt decrypts an ENC[age:…] value with the identities.
func Decrypt(value string, ids []age.Identity) (string, error) {
	b, err := config.AgeFile(value)
	if err != nil {
		return "", err
	}
	if len(ids) == 0 {
		return "", ErrNoKey
	}
	r, err := age.Decrypt(bytes.NewReader(b), ids...)
	var nomatch *age.NoIdentityMatchError
	if errors.As(err, &nomatch) {
		return "", ErrNoKey
	}
	if err != nil {
		return "", fmt.Errorf("the encrypted value is damaged: %w", err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("the encrypted value is damaged: %w", err)
	}
	return string(out), nil
}
