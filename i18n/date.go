package i18n

import (
	"strconv"
	"time"
)

// monthsEo are the months' short names in Esperanto, from January.
var monthsEo = [12]string{"jan.", "feb.", "mar.", "apr.", "maj.", "jun.", "jul.", "aŭg.", "sep.", "okt.", "nov.", "dec."}

// Date writes a moment for a reader of the printer's language in their
// time zone (UTC when loc is nil): "3 Dec 2026 17:31 CET",
// "3 dec. 2026 17:31 CET".
func (p *Printer) Date(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	if p.Lang == Esperanto {
		return strconv.Itoa(t.Day()) + " " + monthsEo[t.Month()-1] + " " + t.Format("2006 15:04 MST")
	}
	return t.Format("2 Jan 2006 15:04 MST")
}

// Day writes a calendar day (a course run's first or last), which is the
// same day everywhere: "2 Sep 2024", "2 sep. 2024".
func (p *Printer) Day(t time.Time) string {
	t = t.UTC()
	if p.Lang == Esperanto {
		return strconv.Itoa(t.Day()) + " " + monthsEo[t.Month()-1] + " " + t.Format("2006")
	}
	return t.Format("2 Jan 2006")
}
