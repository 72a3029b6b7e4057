package domain

import (
	"slices"
	"testing"
)

func TestParseRatings(t *testing.T) {
	for text, want := range map[string][]int{
		"#approve 4/5 3/5, clear and tested": {4, 3},
		"#revise 2 / 5":                      {2},
		"#approve great":                     nil,
		"14/5 and 3/50 and 5/5":              {14, 5},
		"1/5 2/5 3/5 4/5 5/5 1/5 2/5":        {1, 2, 3, 4, 5, 1},
	} {
		if got := ParseRatings(text); !slices.Equal(got, want) {
			t.Errorf("ParseRatings(%q) = %v, want %v", text, got, want)
		}
	}
}
