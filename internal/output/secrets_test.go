package output_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/secrets"
)

func TestSecrets(t *testing.T) {
	t.Parallel()
	none := &secrets.Result{}
	one := &secrets.Result{Changed: []string{"db.password"}, Notes: []string{"db.url: a ${VAR} reference, left as is (its value is not in the file)"}}
	two := &secrets.Result{Changed: []string{"db.password", "api.token"}}
	for _, tc := range []struct {
		name  string
		write func(*strings.Builder)
		want  string
	}{
		{"notes of nil", func(b *strings.Builder) { output.SecretNotes(b, nil) }, ""},
		{"notes", func(b *strings.Builder) { output.SecretNotes(b, one) },
			"note: db.url: a ${VAR} reference, left as is (its value is not in the file)\n"},
		{"encrypted none", func(b *strings.Builder) { output.SecretsEncrypted(b, "berth.yaml", none) },
			"berth.yaml: no plain secret values to encrypt\n"},
		{"encrypted one", func(b *strings.Builder) { output.SecretsEncrypted(b, "berth.yaml", one) },
			"berth.yaml: encrypted 1 value: db.password\n"},
		{"encrypted two", func(b *strings.Builder) { output.SecretsEncrypted(b, "b.yaml", two) },
			"b.yaml: encrypted 2 values: db.password, api.token\n"},
		{"decrypted none", func(b *strings.Builder) { output.SecretsDecrypted(b, "berth.yaml", none) },
			"berth.yaml: no encrypted values to decrypt\n"},
		{"decrypted two", func(b *strings.Builder) { output.SecretsDecrypted(b, "berth.yaml", two) },
			"berth.yaml: decrypted 2 values in place: db.password, api.token\n" +
				"warning: the values are plain text in berth.yaml now; run berth secrets encrypt before you commit it\n"},
		{"edit not saved", func(b *strings.Builder) { output.SecretsEdited(b, "berth.yaml", nil, false) },
			"berth.yaml: no changes\n"},
		{"edit saved, none changed", func(b *strings.Builder) { output.SecretsEdited(b, "berth.yaml", none, true) },
			"berth.yaml: saved; no secret value changed\n"},
		{"edit saved, one changed", func(b *strings.Builder) { output.SecretsEdited(b, "berth.yaml", one, true) },
			"berth.yaml: saved; encrypted 1 changed value: db.password\n"},
		{"edit saved, two changed", func(b *strings.Builder) { output.SecretsEdited(b, "berth.yaml", two, true) },
			"berth.yaml: saved; encrypted 2 changed values: db.password, api.token\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var b strings.Builder
			tc.write(&b)
			if diff := cmp.Diff(tc.want, b.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
