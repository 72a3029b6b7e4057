package outbox

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"sync"
	"testing"
)

func BenchmarkTmpSem(b *testing.B) {
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	h := sha256.Sum256([]byte("x"))
	for _, g := range []int{2, 200} {
		for _, semN := range []int{2, 1000} {
			b.Run("", func(b *testing.B) {
				for b.Loop() {
					sem := make(chan struct{}, semN)
					work := make(chan int, 1000)
					for i := range 1000 {
						work <- i
					}
					close(work)
					var wg sync.WaitGroup
					for range g {
						wg.Go(func() {
							for range work {
								sem <- struct{}{}
								rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, h[:])
								<-sem
							}
						})
					}
					wg.Wait()
				}
				b.ReportMetric(float64(g), "goroutines")
				b.ReportMetric(float64(semN), "sem")
				b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "signs/s")
			})
		}
	}
}
