// Package docs holds the test that keeps FEDERATION.md's JSON examples
// equal to the documents the node makes (its golden tests' files).
package docs
