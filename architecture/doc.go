// Package architecture holds the test that keeps the dependency arrows of DESIGN.md §5.
package architecture
