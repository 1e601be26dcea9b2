package release

import (
	"context"
	"maps"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
)

// secretClient is the Secrets client handed to Helm's Secrets driver for one
// Store operation. It adapts the driver to berth:
//
//   - The driver calls the client with context.Background(); every call here
//     uses the operation's context instead, so that cancellation and
//     deadlines reach the API server.
//   - Update keeps the Secret's annotations (which the driver's
//     whole-object Update would drop: other tools may have added some) and
//     sends the resourceVersion it read as a precondition, so that a
//     concurrent writer makes it fail rather than being overwritten.
type secretClient struct {
	typedcorev1.SecretInterface
	ctx context.Context
}

func (c *secretClient) Create(_ context.Context, s *corev1.Secret, opts metav1.CreateOptions) (*corev1.Secret, error) {
	return c.SecretInterface.Create(c.ctx, s, opts)
}

func (c *secretClient) Update(_ context.Context, s *corev1.Secret, opts metav1.UpdateOptions) (*corev1.Secret, error) {
	cur, err := c.SecretInterface.Get(c.ctx, s.Name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	s = s.DeepCopy()
	s.ResourceVersion = cur.ResourceVersion
	if len(cur.Annotations) > 0 {
		s.Annotations = maps.Clone(cur.Annotations)
	}
	return c.SecretInterface.Update(c.ctx, s, opts)
}

func (c *secretClient) Get(_ context.Context, name string, opts metav1.GetOptions) (*corev1.Secret, error) {
	return c.SecretInterface.Get(c.ctx, name, opts)
}

func (c *secretClient) List(_ context.Context, opts metav1.ListOptions) (*corev1.SecretList, error) {
	return c.SecretInterface.List(c.ctx, opts)
}

func (c *secretClient) Delete(_ context.Context, name string, opts metav1.DeleteOptions) error {
	return c.SecretInterface.Delete(c.ctx, name, opts)
}
