package node

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/lernejo/lernejo/domain"
)

// newMetrics builds the node's Prometheus registry: Go and process
// collectors, delivery outcomes (counted as the outbox records them), and
// gauges read from the store at scrape time: deliveries pending, hosts
// marked unavailable, activities waiting in the inbox journal, Badger sizes.
func (n *Node) newMetrics() (*prometheus.Registry, func(outcome string, retrying bool)) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	deliveries := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lernejo_deliveries_total",
		Help: "Delivery attempts recorded, by outcome (sent, refused, failed, abandoned) and whether a retry is scheduled.",
	}, []string{"outcome", "retrying"})
	reg.MustRegister(deliveries)
	observe := func(outcome string, retrying bool) {
		r := "false"
		if retrying {
			r = "true"
		}
		deliveries.WithLabelValues(outcome, r).Inc()
	}
	count := func(fn func(tx domain.Tx) (int, error)) func() float64 {
		return func() float64 {
			var v int
			n.Store.View(context.Background(), func(tx domain.Tx) error {
				var err error
				v, err = fn(tx)
				return err
			})
			return float64(v)
		}
	}
	reg.MustRegister(&queueCollector{n: n,
		pending:  prometheus.NewDesc("lernejo_deliveries_pending", "Deliveries queued, including those waiting to retry.", nil, nil),
		retrying: prometheus.NewDesc("lernejo_deliveries_retrying", "Queued deliveries that failed at least once.", nil, nil),
	})
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "lernejo_hosts_unavailable", Help: "Hosts skipped after failing on several distinct days."},
			count(func(tx domain.Tx) (int, error) { return tx.CountUnavailableHosts() })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "lernejo_inbox_journal", Help: "Activities received and not yet processed."},
			count(func(tx domain.Tx) (int, error) { return tx.InboxLen() })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "lernejo_badger_lsm_bytes", Help: "Size of Badger's LSM tree."},
			func() float64 { lsm, _ := n.Store.Size(); return float64(lsm) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "lernejo_badger_vlog_bytes", Help: "Size of Badger's value log."},
			func() float64 { _, vlog := n.Store.Size(); return float64(vlog) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "lernejo_disk_free_bytes", Help: "Free space on the disk of the data directory (0 when unknown)."},
			func() float64 { return float64(n.Store.Space().Free) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "lernejo_disk_low", Help: "1 while free disk space is under --min-free-disk: inboxes and forms answer 503."},
			func() float64 {
				if n.Store.Space().Low() {
					return 1
				}
				return 0
			}),
	)
	return reg, observe
}

// queueCollector reports the delivery queue from one read of it per scrape
// (a count, not a decode of every delivery: a queue may hold a million).
type queueCollector struct {
	n                 *Node
	pending, retrying *prometheus.Desc
}

func (q *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- q.pending; ch <- q.retrying }

func (q *queueCollector) Collect(ch chan<- prometheus.Metric) {
	var pending, retrying int
	q.n.Store.View(context.Background(), func(tx domain.Tx) (err error) {
		pending, retrying, err = tx.CountDeliveries()
		return err
	})
	ch <- prometheus.MustNewConstMetric(q.pending, prometheus.GaugeValue, float64(pending))
	ch <- prometheus.MustNewConstMetric(q.retrying, prometheus.GaugeValue, float64(retrying))
}
