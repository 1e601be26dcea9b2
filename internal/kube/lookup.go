package kube

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// HasStorageClass reports whether the cluster has the StorageClass name.
// When berth may not read StorageClasses it says yes: the claims'
// provisioning tells then.
func (c *Client) HasStorageClass(ctx context.Context, name string) (bool, error) {
	_, err := c.Clientset.StorageV1().StorageClasses().Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil && !apierrors.IsForbidden(err):
		return false, fmt.Errorf("reading storage class %s: %w", name, err)
	}
	return true, nil
}

// StorageClassNames lists the names of the cluster's StorageClasses.
func (c *Client) StorageClassNames(ctx context.Context) ([]string, error) {
	classes, err := c.Clientset.StorageV1().StorageClasses().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("listing storage classes: %w", err)
	}
	var names []string
	for _, sc := range classes.Items {
		names = append(names, sc.Name)
	}
	return names, nil
}

// SecretData returns the data of the Secret name in namespace ns; found is
// false when there is no such Secret.
func (c *Client) SecretData(ctx context.Context, ns, name string) (data map[string][]byte, found bool, err error) {
	s, err := c.Clientset.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading Secret %s: %w", name, err)
	}
	return s.Data, true, nil
}
