package config

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCloneChangesLeaveOriginal changes a clone where targets do
// (registry, image, pull policy, volumes, charts, target) and checks the
// original is as it was.
func TestCloneChangesLeaveOriginal(t *testing.T) {
	t.Parallel()
	// Built twice, so that want does not depend on Clone.
	project := func() *Project {
		return &Project{
			Name:     "shop",
			Registry: "localhost:5000/team",
			Target:   &Target{Kind: TargetDigitalOcean, DigitalOcean: &DigitalOceanTarget{Region: "ams3", NodePool: &NodePool{Size: "s", Autoscale: &NodeAutoscale{Min: 1, Max: 2}}}},
			Services: map[string]*Service{
				"web": {Build: &Build{Args: map[string]string{"A": "1"}}, Volumes: []Volume{{Name: "data"}}, Ingress: &Ingress{Host: "shop.example.org"}},
			},
			Charts: map[string]*Chart{"redis": {Chart: "redis", Values: map[string]any{"auth": map[string]any{"enabled": false}, "list": []any{"a"}}}},
		}
	}
	orig, want := project(), project()
	c := orig.Clone()
	if diff := cmp.Diff(orig, c); diff != "" {
		t.Fatalf("clone differs (-orig +clone):\n%s", diff)
	}
	c.Registry = "registry.digitalocean.com/shop"
	c.Target.Kind = TargetMinikube
	c.Target.DigitalOcean.NodePool.Autoscale.Max = 9
	web := c.Services["web"]
	web.Image, web.ImagePullPolicy = "shop-web:1", "IfNotPresent"
	web.Build.Args["A"] = "2"
	web.Volumes[0].StorageClass = "do-block-storage"
	web.Ingress.Host = "elsewhere"
	c.Services["api"] = &Service{Image: "api:1"}
	c.Charts["redis"].Values["auth"].(map[string]any)["enabled"] = true
	c.Charts["redis"].Values["list"].([]any)[0] = "b"
	c.Charts["ingress-nginx"] = &Chart{Chart: "ingress-nginx"}
	if diff := cmp.Diff(want, orig); diff != "" {
		t.Errorf("changing the clone changed the original (-want +got):\n%s", diff)
	}
}

// TestCloneSharesNothing fills every field of a Project (by reflection,
// so a field added later is covered) and checks that the clone is equal
// and shares no pointer, map or slice with it.
func TestCloneSharesNothing(t *testing.T) {
	t.Parallel()
	orig := &Project{}
	fill(reflect.ValueOf(orig).Elem(), 0)
	c := orig.Clone()
	if diff := cmp.Diff(orig, c); diff != "" {
		t.Fatalf("clone differs (-orig +clone):\n%s", diff)
	}
	shared(t, "Project", reflect.ValueOf(orig).Elem(), reflect.ValueOf(c).Elem())
}

// fill gives every field a non-zero value: one entry in maps and slices.
func fill(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth+1)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, depth+1)
		fill(e, depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), depth+1)
		v.Set(s)
	case reflect.Interface: // chart values: a nested map and list
		if depth < 20 {
			v.Set(reflect.ValueOf(map[string]any{"nested": []any{map[string]any{"k": "v"}}}))
		}
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Float64:
		v.SetFloat(1)
	}
}

// shared reports pointers, maps and slices a and b have in common.
func shared(t *testing.T, path string, a, b reflect.Value) {
	t.Helper()
	switch a.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice:
		if a.IsNil() {
			return
		}
		if a.Pointer() == b.Pointer() {
			t.Errorf("%s is shared with the clone", path)
			return
		}
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		shared(t, path, a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			if a.Type().Field(i).IsExported() {
				shared(t, path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i))
			}
		}
	case reflect.Map:
		for _, k := range a.MapKeys() {
			shared(t, path+"["+k.String()+"]", a.MapIndex(k), b.MapIndex(k))
		}
	case reflect.Slice:
		for i := range a.Len() {
			shared(t, path+"[]", a.Index(i), b.Index(i))
		}
	}
}
