package deploy

import (
	"context"
	"fmt"
	"strings"

	"github.com/berth-dev/berth/internal/config"
)

// checkStorageClasses refuses, before anything is applied, volumes that
// name a StorageClass neither berth.yaml nor the cluster defines: their
// claims would stay Pending forever.
func (d *Deployer) checkStorageClasses(ctx context.Context, p *config.Project) error {
	var problems []string
	checked := map[string]bool{}
	for _, name := range sortedNames(p.Services) {
		for _, v := range p.Services[name].Volumes {
			sc := v.StorageClass
			if sc == "" || checked[sc] || p.StorageClasses[sc] != nil {
				continue
			}
			checked[sc] = true
			ok, err := d.Cluster.HasStorageClass(ctx, sc)
			if err != nil {
				return err
			}
			if !ok {
				problems = append(problems, fmt.Sprintf("service %s, volume %s: storage class %q exists neither in berth.yaml nor in the cluster", name, v.Name, sc))
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	names, _ := d.Cluster.StorageClassNames(ctx)
	return &StorageClassError{Problems: problems, Available: names}
}

// StorageClassError lists volumes whose storage class does not exist.
type StorageClassError struct {
	Problems  []string
	Available []string
}

func (e *StorageClassError) Error() string {
	return "nothing was applied: " + strings.Join(e.Problems, "; ")
}

// Hint says which classes there are.
func (e *StorageClassError) Hint() string {
	if len(e.Available) == 0 {
		return "the cluster has no storage classes: define one under storageClasses in berth.yaml"
	}
	return "the cluster has: " + strings.Join(e.Available, ", ") + "; name one of them, leave storageClass out for the default, or define the class under storageClasses"
}
