package cli

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
)

// TestConfirmDelete: berth delete asks y/N when stderr is a terminal (the
// answer may be piped in) and otherwise refuses with a usage error that
// names --yes.
func TestConfirmDelete(t *testing.T) {
	t.Parallel()
	plan := deploy.DeletePlan{App: "shop", Namespace: "prod", Refs: make([]kube.Ref, 3)}
	for _, tc := range []struct {
		name    string
		tty     bool
		volumes bool
		answer  string
		wantErr string
		asked   string
	}{
		{"yes", true, false, "y\n", "", "Delete shop (3 objects) from namespace prod; its claims are kept. Continue? [y/N] "},
		{"no", true, true, "\n", "not deleted", "Delete shop (3 objects) from namespace prod; ITS VOLUMES AND THEIR DATA TOO. Continue? [y/N] "},
		{"no terminal", false, false, "y\n", "berth delete removes shop from namespace prod: no terminal to ask on; pass --yes", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			streams, in, _, errOut := genericiooptions.NewTestIOStreams()
			in.WriteString(tc.answer)
			f := NewFactory(streams)
			f.stderrTTY = tc.tty
			o := &DeleteOptions{cmdBase: newBase(f), Volumes: tc.volumes}
			err := o.confirm(t.Context(), plan)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tc.wantErr, got); diff != "" {
				t.Errorf("error (-want +got)\n%s", diff)
			}
			if !tc.tty && ExitCode(err) != ExitUsage {
				t.Errorf("exit %d without a terminal, want %d", ExitCode(err), ExitUsage)
			}
			if diff := cmp.Diff(tc.asked, errOut.String()); diff != "" {
				t.Errorf("question (-want +got)\n%s", diff)
			}
		})
	}
}

// TestConfirmNoTerminalText: the Factory's questions without a terminal
// keep their words.
func TestConfirmNoTerminalText(t *testing.T) {
	t.Parallel()
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	f := NewFactory(streams)
	_, err := f.confirm("Enable the ingress addon?")
	if err == nil || err.Error() != "Enable the ingress addon?\n(no terminal to ask on: pass --yes)" {
		t.Errorf("confirm: %v", err)
	}
	err = f.confirmTyped("Type the cluster's name to destroy it", "shop")
	if err == nil || !strings.HasSuffix(err.Error(), ": no terminal to ask on; pass --yes") {
		t.Errorf("confirmTyped: %v", err)
	}
}
