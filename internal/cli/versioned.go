package cli

import (
	"encoding/json"
	"fmt"
)

// APIVersion is the apiVersion of every -o json|yaml result berth prints
// (with a kind naming its shape). It changes only when a field changes
// meaning or goes away.
const APIVersion = "berth/v1"

// versioned marshals as v's JSON object with apiVersion and kind first:
// berth's versioned -o json|yaml shape for results that are not already
// a versioned type.
func versioned(kind string, v any) json.Marshaler { return versionedObject{kind: kind, v: v} }

type versionedObject struct {
	kind string
	v    any
}

func (o versionedObject) MarshalJSON() ([]byte, error) {
	head, err := json.Marshal(struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}{APIVersion, o.kind})
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(o.v)
	if err != nil {
		return nil, err
	}
	if len(body) < 2 || body[0] != '{' {
		return nil, fmt.Errorf("%s: a versioned result must be a JSON object, not %.20s", o.kind, body)
	}
	if len(body) == 2 {
		return head, nil
	}
	return append(append(head[:len(head)-1], ','), body[1:]...), nil
}
