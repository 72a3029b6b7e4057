package storeseed_test

import (
	"context"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/domain/store/storeseed"
)

// BenchmarkSeed seeds b.N posts, followers and deliveries into a store on
// disk (synced, as the node opens it) and reports records/s: the three
// kinds together, so 1M of each is 3M records.
func BenchmarkSeed(b *testing.B) {
	st, err := store.Open(store.Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	keys, err := domain.GenerateKeyPair()
	if err != nil {
		b.Fatal(err)
	}
	o := storeseed.Options{Posts: b.N, Followers: b.N, Deliveries: b.N, Organiser: "ada", Keys: keys, Now: time.Now()}
	b.ResetTimer()
	if err := storeseed.Seed(context.Background(), st, o); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(3*b.N)/b.Elapsed().Seconds(), "records/s")
}
