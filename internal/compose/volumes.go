package compose

// Volumes: named volumes become claims, bind mounts of files and configs
// become config files.

import (
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/internal/config"
)

// volumes: named volumes become berth volumes (claims of --volume-size);
// bind mounts of small files become configFiles; the rest is reported.
func (c *converter) volumes(name, bn string, s types.ServiceConfig, out *config.Service) {
	sp := "services." + name + ".volumes"
	mounts := map[string]bool{}
	volNames := map[string]bool{}
	for _, v := range s.Volumes {
		at := c.ix.locate(name, key("volumes"), item(v.Target))
		target := path.Clean(v.Target)
		if !path.IsAbs(target) {
			c.warn(at, sp, "mount path %q is not absolute and is left out", v.Target)
			continue
		}
		switch v.Type {
		case types.VolumeTypeVolume:
			if v.Source == "" {
				c.warn(at, sp, "anonymous volume at %s is not translated: name it (NAME:%s) to keep its data in a claim", target, target)
				continue
			}
			if mounts[target] {
				continue
			}
			n := dnsLabel(v.Source, 63, false)
			if n == "" || n == "berth-files" {
				n = "data"
			}
			for base, i := n, 2; volNames[n]; i++ {
				n = fmt.Sprintf("%s-%d", strings.TrimRight(base[:min(len(base), 60)], "-"), i)
			}
			volNames[n], mounts[target] = true, true
			vol := config.Volume{Name: n, MountPath: target, Size: config.Quantity(c.opts.VolumeSize), ReadOnly: v.ReadOnly}
			if v.Volume != nil && v.Volume.Subpath != "" {
				vol.SubPath = v.Volume.Subpath
			}
			out.Volumes = append(out.Volumes, vol)
			c.volumeUsers[v.Source] = append(c.volumeUsers[v.Source], name)
		case types.VolumeTypeBind:
			c.bind(name, v, target, at, out)
		case types.VolumeTypeTmpfs:
			c.warn(at, sp, "tmpfs at %s is not translated: berth.yaml has no in-memory volumes", target)
		default:
			c.warn(at, sp, "%s mount at %s is not translated", v.Type, target)
		}
	}
	if len(out.Volumes) == 0 {
		return
	}
	if out.EffectiveReplicas() > 1 {
		// All replicas share the volume in compose: keep that with a
		// claim that many nodes can mount.
		for i := range out.Volumes {
			out.Volumes[i].AccessMode = "ReadWriteMany"
		}
		c.warn(c.ix.locate(name, key("volumes")), sp, "the volumes are ReadWriteMany because %d replicas share them: the cluster needs a storage class that supports it (NFS, CephFS, EFS)", out.EffectiveReplicas())
		return
	}
	// One pod with its own disk: a StatefulSet (stable claim, one pod
	// at a time) is what Kubernetes offers for that.
	out.Stateful = true
}

// maxConfigFile is what one ConfigMap holds.
const maxConfigFile = 1 << 20

// bind mounts a local file of the project, or the files of a small
// directory, as configFiles (copies in a ConfigMap, read-only); other
// bind mounts are reported.
func (c *converter) bind(name string, v types.ServiceVolumeConfig, target string, at pos, out *config.Service) {
	sp := "services." + name + ".volumes"
	src := c.rel(v.Source)
	if !c.inProject(v.Source) {
		src = filepath.ToSlash(v.Source)
	}
	c.binds[name] = append(c.binds[name], bindMount{source: src, target: target})
	fi, err := os.Stat(v.Source)
	switch {
	case err != nil:
		c.warn(at, sp, "bind mount %s:%s is not translated: %s does not exist; for a single file use configFiles: {%s: %s}", src, target, src, target, src)
	case !c.inProject(v.Source):
		c.warn(at, sp, "bind mount %s:%s is not translated: %s is outside the project, and berth carries only the project's own files (as configFiles); bake what the service needs into the image", src, target, src)
	case fi.IsDir():
		if df, ok := c.imageHas(name, v.Source, target); ok {
			c.binds[name][len(c.binds[name])-1].inImage = true
			c.warn(at, sp, "bind mount of directory %s at %s is not translated: the image has these files there (%s copies them); the mount is for editing them live", src, target, df)
			return
		}
		c.bindDir(name, v, target, at, out)
	case !fi.Mode().IsRegular() || fi.Size() > maxConfigFile:
		c.warn(at, sp, "bind mount %s:%s is not translated: configFiles take regular files of at most 1 MiB", src, target)
	default:
		c.configFile(sp, target, src, at, out, fmt.Sprintf("bind mount %s:%s became configFiles: a read-only copy in a ConfigMap, not a live mount; changes roll the pods on the next deploy", src, target))
	}
}

func (c *converter) configFile(sp, target, src string, at pos, out *config.Service, note string) {
	for mp := range out.ConfigFiles {
		if path.Base(mp) == path.Base(target) {
			c.warn(at, sp, "%s is not translated: configFiles %s has the same file name", target, mp)
			return
		}
	}
	if out.ConfigFiles == nil {
		out.ConfigFiles = map[string]string{}
	}
	out.ConfigFiles[target] = src
	c.warn(at, sp, "%s", note)
}

// configs: compose configs backed by a file become configFiles.
func (c *converter) configs(name string, s types.ServiceConfig, out *config.Service) {
	for _, ref := range s.Configs {
		at := c.ix.locate(name, key("configs"), item(ref.Source))
		target := ref.Target
		if target == "" {
			target = "/" + ref.Source
		}
		cfg, ok := c.cp.Configs[ref.Source]
		if !ok || cfg.File == "" {
			c.warn(at, "services."+name+".configs", "config %q is not translated: only configs with file: become configFiles", ref.Source)
			continue
		}
		if fi, err := os.Stat(cfg.File); err != nil || !fi.Mode().IsRegular() || fi.Size() > maxConfigFile || !path.IsAbs(target) {
			c.warn(at, "services."+name+".configs", "config %q is not translated: configFiles take an absolute path and a regular file of at most 1 MiB", ref.Source)
			continue
		}
		c.configFile("services."+name+".configs", path.Clean(target), c.rel(cfg.File), at, out, fmt.Sprintf("config %s became configFiles %s (a copy in a ConfigMap)", ref.Source, target))
	}
}

// sharedVolumes reports compose volumes that several services mount:
// each berth service gets its own claim.
func (c *converter) sharedVolumes() {
	for _, v := range slices.Sorted(maps.Keys(c.volumeUsers)) {
		users := slices.Compact(slices.Sorted(slices.Values(c.volumeUsers[v])))
		if len(users) < 2 {
			continue
		}
		c.warn(c.topPos("volumes", v), "volumes."+v, "is shared by %s in compose, but each berth service gets its own claim, so they no longer see each other's files", strings.Join(users, ", "))
	}
}
