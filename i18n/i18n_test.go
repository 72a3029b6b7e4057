package i18n

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestNegotiate(t *testing.T) {
	for accept, want := range map[string]Lang{
		"":                          English,
		"eo":                        Esperanto,
		"eo-001":                    Esperanto,
		"fr-CH, fr;q=0.9, eo;q=0.8": Esperanto,
		"en-GB,en;q=0.9":            English,
		"de":                        English,
		";;;q=garbage":              English,
	} {
		if got := Negotiate(accept); got != want {
			t.Errorf("Negotiate(%q) = %s, want %s", accept, got, want)
		}
	}
}

// TestLoadRefusesMistakes: a catalogue with a message translated twice, an
// empty translation, or a translation that drops or reorders a verb does
// not load.
func TestLoadRefusesMistakes(t *testing.T) {
	for name, files := range map[string]fstest.MapFS{
		"twice":      {"eo/a.json": {Data: []byte(`{"Save": "Konservi"}`)}, "eo/b.json": {Data: []byte(`{"Save": "Savi"}`)}},
		"empty":      {"eo/a.json": {Data: []byte(`{"Save": " "}`)}},
		"verb lost":  {"eo/a.json": {Data: []byte(`{"Join %s": "Aliĝi"}`)}},
		"verb moved": {"eo/a.json": {Data: []byte(`{"%d of %s": "%s de %d"}`)}},
		"not json":   {"eo/a.json": {Data: []byte(`{"Save": `)}},
	} {
		if _, err := load(files); err == nil {
			t.Errorf("%s: the catalogue loaded", name)
		}
	}
	c, err := load(fstest.MapFS{"eo/a.json": {Data: []byte(`{"%d of %d done": "%d el %d faritaj", "%d post": "%d afiŝo", "%d posts": "%d afiŝoj"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	eo := c.Printer(Esperanto)
	if got := eo.T("%d of %d done", 2, 3); got != "2 el 3 faritaj" {
		t.Errorf("T = %q", got)
	}
	if got := eo.N(1, "%d post", "%d posts"); got != "1 afiŝo" {
		t.Errorf("N(1) = %q", got)
	}
	if got := eo.N(5, "%d post", "%d posts"); got != "5 afiŝoj" {
		t.Errorf("N(5) = %q", got)
	}
	if got := eo.T("Not translated yet"); got != "Not translated yet" {
		t.Errorf("an untranslated message is %q, want the English", got)
	}
	if got := c.Printer("tlh").Lang; got != English {
		t.Errorf("a language the pages do not speak prints in %s", got)
	}
}

// TestTheEmbeddedCatalogueLoads: the catalogue the node ships loads.
func TestTheEmbeddedCatalogueLoads(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Messages(Esperanto)) == 0 {
		t.Fatal("no Esperanto messages")
	}
}

func TestDate(t *testing.T) {
	at := time.Date(2026, 8, 3, 17, 31, 0, 0, time.UTC)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	c := &Catalogue{msgs: map[Lang]map[string]string{}}
	for _, tc := range []struct {
		lang Lang
		loc  *time.Location
		want string
	}{
		{English, nil, "3 Aug 2026 17:31 UTC"},
		{English, berlin, "3 Aug 2026 19:31 CEST"},
		{Esperanto, berlin, "3 aŭg. 2026 19:31 CEST"},
	} {
		if got := c.Printer(tc.lang).Date(at, tc.loc); got != tc.want {
			t.Errorf("%s in %v: %q, want %q", tc.lang, tc.loc, got, tc.want)
		}
	}
	if got := c.Printer(Esperanto).Date(at.AddDate(0, 4, 0), berlin); !strings.Contains(got, "dec.") || !strings.Contains(got, "CET") {
		t.Errorf("December in Berlin: %q", got)
	}
}
