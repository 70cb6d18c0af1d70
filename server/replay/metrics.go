package replay

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// Metric is one figure of a report, in the unit b.ReportMetric shows.
type Metric struct {
	Value float64
	Unit  string
}

// Metrics are the report's figures, in a fixed order.
func (r *Report) Metrics() []Metric {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	out := []Metric{
		{float64(r.Keys), "keys"},
		{float64(r.ModelCalls), "model-calls"},
		{per100(r.ModelCalls, r.Keys), "calls/100keys"},
		{100 * ratio(r.Answered, r.Requests), "answered-%"},
		{100 * ratio(r.Shown, r.Keys), "shown-%"},
		{ms(pct(r.PreSend, 50)), "pre-p50-ms"},
		{ms(pct(r.PreSend, 99)), "pre-p99-ms"},
		{ms(pct(r.PostLast, 50)), "post-p50-ms"},
		{ms(pct(r.PostLast, 99)), "post-p99-ms"},
		{ms(pct(r.Added, 50)), "added-p50-ms"},
		{ms(pct(r.Added, 99)), "added-p99-ms"},
		{ms(mean(r.Debounce)), "debounce-mean-ms"},
		{ms(pct(r.FirstText, 50)), "first-text-p50-ms"},
		{ms(pct(r.FirstText, 90)), "first-text-p90-ms"},
		{ms(pct(r.FirstOverModel, 50)), "first-over-ttft-p50-ms"},
		{ms(pct(r.FirstOverModel, 99)), "first-over-ttft-p99-ms"},
		{per100(int(r.TokensStreamed), r.Keys), "tokens-streamed/100keys"},
		{per100(int(r.TokensDiscarded), r.Keys), "tokens-discarded/100keys"},
		{meanF(r.Reuse), "prefix-reuse"},
		{pctF(r.Reuse, 10), "prefix-reuse-p10"},
	}
	if len(r.SrvPre) > 0 {
		// A child server's own timing of the same calls (WireTrace).
		out = append(out,
			Metric{ms(pct(r.SrvPre, 50)), "srv-pre-p50-ms"},
			Metric{ms(pct(r.SrvPre, 99)), "srv-pre-p99-ms"},
			Metric{ms(pct(r.SrvPost, 50)), "srv-post-p50-ms"},
			Metric{ms(pct(r.SrvPost, 99)), "srv-post-p99-ms"},
			Metric{ms(pct(r.SrvAdded, 50)), "srv-added-p50-ms"},
			Metric{ms(pct(r.SrvAdded, 99)), "srv-added-p99-ms"},
		)
	}
	return out
}

// Print writes the figures one per line.
func (r *Report) Print(w io.Writer) {
	for _, m := range r.Metrics() {
		fmt.Fprintf(w, "%12.3f  %s\n", m.Value, m.Unit)
	}
}

func per100(n, keys int) float64 { return 100 * ratio(n, keys) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// pct is the p-th percentile (nearest rank); 0 for no samples.
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(i-1, 0)]
}

func pctF(xs []float64, p int) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(i-1, 0)]
}

func mean(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t / time.Duration(len(ds))
}

func meanF(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t / float64(len(xs))
}
