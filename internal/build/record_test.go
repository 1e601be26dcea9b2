package build

import (
	"fmt"
	"sync"
	"testing"
)

// TestUpdateRecordsConcurrent: berth processes building one project at
// once (different services, here 40 writers) each keep their records;
// none is lost to another's read-modify-write.
func TestUpdateRecordsConcurrent(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	if err := UpdateRecords(state, map[string]Record{"kept": {Tag: "t0"}}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			svc := fmt.Sprintf("svc%02d", i)
			if err := UpdateRecords(state, map[string]Record{svc: {Tag: svc}}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	recs, err := LoadRecords(state)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs.Services) != 41 || recs.Services["kept"].Tag != "t0" || recs.Services["svc07"].Tag != "svc07" {
		t.Errorf("%d records after 40 concurrent updates and one before, want 41: %v", len(recs.Services), recs.Services)
	}
}
