package logs

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestBound(t *testing.T) {
	t.Parallel()
	ptr := func(n int64) *int64 { return &n }
	dur := func(d time.Duration) *time.Duration { return &d }
	tests := []struct {
		name      string
		follow    bool
		since     time.Duration
		tail      int64
		tailSet   bool
		wantSince *time.Duration
		wantTail  *int64
	}{
		{name: "all history", tail: -1},
		{name: "follow starts from the last 10 lines", follow: true, tail: -1, wantTail: ptr(10)},
		{name: "follow with since", follow: true, since: time.Minute, tail: -1, wantSince: dur(time.Minute)},
		{name: "follow with tail", follow: true, tail: 3, tailSet: true, wantTail: ptr(3)},
		{name: "follow with tail -1 prints all", follow: true, tail: -1, tailSet: true},
		{name: "tail", tail: 0, tailSet: true, wantTail: ptr(0)},
		{name: "since and tail", since: time.Hour, tail: 5, tailSet: true, wantSince: dur(time.Hour), wantTail: ptr(5)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := Options{Follow: tt.follow}
			o.Bound(tt.since, tt.tail, tt.tailSet)
			if diff := cmp.Diff(tt.wantSince, o.Since); diff != "" {
				t.Errorf("Since (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantTail, o.Tail); diff != "" {
				t.Errorf("Tail (-want +got):\n%s", diff)
			}
		})
	}
}
