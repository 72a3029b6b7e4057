package federation

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	vocab "github.com/go-ap/activitypub"
)

// Open Badges 2.0 hosted-verification documents
// (https://www.imsglobal.org/spec/ob/v2p0/). A badge award is an Assertion
// served as JSON at its id; the Assertion names its BadgeClass by IRI, and the
// BadgeClass names its Issuer Profile by IRI. A verifier fetches all three
// from the issuer's origin ("hosted verification").

// OBContext is the JSON-LD context of every Open Badges 2.0 document.
const OBContext = "https://w3id.org/openbadges/v2"

// ErrInvalidAssertion is wrapped by every error CheckAssertion returns.
var ErrInvalidAssertion = errors.New("openbadges: invalid assertion")

// OBIssuer is an Open Badges 2.0 Issuer Profile.
type OBIssuer struct {
	Context     any    `json:"@context"`
	Type        string `json:"type"` // "Issuer"
	ID          string `json:"id"`   // the profile's own URL
	Name        string `json:"name"`
	URL         string `json:"url"` // the issuer's home page
	Description string `json:"description,omitempty"`
	Email       string `json:"email,omitempty"`
	Image       string `json:"image,omitempty"`
}

// NewIssuer returns an Issuer Profile hosted at id.
func NewIssuer(id, name, url, description string) OBIssuer {
	return OBIssuer{Context: OBContext, Type: "Issuer", ID: id, Name: name, URL: url, Description: description}
}

// OBCriteria says how a badge is earned: a page describing it (ID), a
// Markdown narrative, or both.
type OBCriteria struct {
	ID        string `json:"id,omitempty"`
	Narrative string `json:"narrative,omitempty"`
}

// OBBadgeClass is an Open Badges 2.0 BadgeClass.
type OBBadgeClass struct {
	Context     any        `json:"@context"`
	Type        string     `json:"type"` // "BadgeClass"
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Image       string     `json:"image"` // IRI of the badge image (PNG)
	Criteria    OBCriteria `json:"criteria"`
	Issuer      string     `json:"issuer"` // IRI of the Issuer Profile
	Tags        []string   `json:"tags,omitempty"`
}

// NewBadgeClass returns a BadgeClass hosted at id. Open Badges requires
// criteria: pass criteriaURL (a page describing them), criteriaNarrative
// (Markdown), or both.
func NewBadgeClass(id, name, description, imageURL, criteriaURL, criteriaNarrative, issuerID string) OBBadgeClass {
	return OBBadgeClass{
		Context:     OBContext,
		Type:        "BadgeClass",
		ID:          id,
		Name:        name,
		Description: description,
		Image:       imageURL,
		Criteria:    OBCriteria{ID: criteriaURL, Narrative: criteriaNarrative},
		Issuer:      issuerID,
	}
}

// OBRecipient is an Open Badges IdentityObject. Lernejo identifies learners
// by their ActivityPub actor URL, unhashed: the actor is public anyway.
type OBRecipient struct {
	Type     string `json:"type"`     // "url"
	Hashed   bool   `json:"hashed"`   // always present, false
	Identity string `json:"identity"` // the learner's actor URL
	Salt     string `json:"salt,omitempty"`
}

// OBVerification is an Open Badges VerificationObject.
type OBVerification struct {
	Type string `json:"type"` // "HostedBadge"
}

// OBEvidence is an Open Badges Evidence object: a link to the learner's work
// and/or a narrative.
type OBEvidence struct {
	Type      string `json:"type,omitempty"` // "Evidence"
	ID        string `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`
	Narrative string `json:"narrative,omitempty"`
}

// OBAssertion is an Open Badges 2.0 Assertion: one badge awarded to one
// learner. A revoked award keeps being served, with Revoked set.
type OBAssertion struct {
	Context          any            `json:"@context"`
	Type             string         `json:"type"` // "Assertion"
	ID               string         `json:"id"`
	Recipient        OBRecipient    `json:"recipient"`
	Badge            string         `json:"badge"` // IRI of the BadgeClass
	Verification     OBVerification `json:"verification"`
	IssuedOn         string         `json:"issuedOn"` // RFC 3339 / ISO 8601
	Image            string         `json:"image,omitempty"`
	Evidence         []OBEvidence   `json:"evidence,omitempty"`
	Narrative        string         `json:"narrative,omitempty"`
	Expires          string         `json:"expires,omitempty"`
	Revoked          bool           `json:"revoked,omitempty"`
	RevocationReason string         `json:"revocationReason,omitempty"`
}

// NewAssertion returns a hosted Assertion at id awarding badgeClassID to the
// actor recipientActorURL. issuedOn is written in UTC to the second. Evidence
// items without a type get "Evidence".
func NewAssertion(id, badgeClassID, recipientActorURL string, issuedOn time.Time, evidence []OBEvidence) OBAssertion {
	var ev []OBEvidence
	if len(evidence) > 0 {
		ev = make([]OBEvidence, len(evidence))
		for i, e := range evidence {
			if e.Type == "" {
				e.Type = "Evidence"
			}
			ev[i] = e
		}
	}
	return OBAssertion{
		Context:      OBContext,
		Type:         "Assertion",
		ID:           id,
		Recipient:    OBRecipient{Type: "url", Hashed: false, Identity: recipientActorURL},
		Badge:        badgeClassID,
		Verification: OBVerification{Type: "HostedBadge"},
		IssuedOn:     issuedOn.UTC().Truncate(time.Second).Format(time.RFC3339),
		Evidence:     ev,
	}
}

// CheckAssertion validates what a verifier checks of a hosted Assertion: the
// Open Badges 2.0 context, type "Assertion", an absolute http(s) id, an
// unhashed "url" recipient whose identity is an absolute http(s) URL, a badge
// IRI on the same origin as the assertion (hosted verification requires the
// issuer to host both), an RFC 3339 issuedOn (and expires, if any, after it),
// HostedBadge verification, and absolute http(s) evidence ids.
func CheckAssertion(a OBAssertion) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidAssertion, fmt.Sprintf(format, args...))
	}
	if !obHasContext(a.Context) {
		return bad("@context must be %q", OBContext)
	}
	if a.Type != "Assertion" {
		return bad("type must be \"Assertion\", not %q", a.Type)
	}
	if !obAbsURL(a.ID) {
		return bad("id must be an absolute http(s) URL: %q", a.ID)
	}
	if a.Recipient.Type != "url" {
		return bad("recipient type must be \"url\", not %q", a.Recipient.Type)
	}
	if a.Recipient.Hashed || a.Recipient.Salt != "" {
		return bad("recipient must not be hashed")
	}
	if !obAbsURL(a.Recipient.Identity) {
		return bad("recipient identity must be an absolute http(s) URL: %q", a.Recipient.Identity)
	}
	if !obAbsURL(a.Badge) {
		return bad("badge must be an absolute http(s) URL: %q", a.Badge)
	}
	if !sameOriginURL(a.ID, a.Badge) {
		return bad("badge %q is not on the assertion's origin", a.Badge)
	}
	if a.Verification.Type != "HostedBadge" {
		return bad("verification type must be \"HostedBadge\", not %q", a.Verification.Type)
	}
	issued, err := time.Parse(time.RFC3339, a.IssuedOn)
	if err != nil {
		return bad("issuedOn is not an RFC 3339 date-time: %q", a.IssuedOn)
	}
	if a.Expires != "" {
		exp, err := time.Parse(time.RFC3339, a.Expires)
		if err != nil {
			return bad("expires is not an RFC 3339 date-time: %q", a.Expires)
		}
		if !exp.After(issued) {
			return bad("expires is not after issuedOn")
		}
	}
	if a.Image != "" && !obAbsURL(a.Image) && !strings.HasPrefix(a.Image, "data:") {
		return bad("image must be an absolute http(s) URL or a data URI")
	}
	for i, e := range a.Evidence {
		if e.ID != "" && !obAbsURL(e.ID) {
			return bad("evidence %d id must be an absolute http(s) URL: %q", i, e.ID)
		}
		if e.ID == "" && e.Narrative == "" {
			return bad("evidence %d has neither an id nor a narrative", i)
		}
	}
	if a.RevocationReason != "" && !a.Revoked {
		return bad("revocationReason on an assertion that is not revoked")
	}
	return nil
}

// obHasContext reports whether ctx is the Open Badges 2.0 context, alone or
// in a JSON-LD context array.
func obHasContext(ctx any) bool {
	switch c := ctx.(type) {
	case string:
		return c == OBContext
	case []string:
		for _, s := range c {
			if s == OBContext {
				return true
			}
		}
	case []any:
		for _, s := range c {
			if s == OBContext {
				return true
			}
		}
	}
	return false
}

// obAbsURL reports whether s is an absolute http or https URL with a host and
// no userinfo.
func obAbsURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.User != nil || u.Host == "" || u.Opaque != "" {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Hostname() != ""
	}
	return false
}

// Votes for peer-awarded badges. A learner on another Lernejo node votes
// through their own node, which sends the course a signed record the way
// it sends completions: Add{object: Vote record, target: BADGE/votes}, the
// record signed by the voter's assertion key (FEP-8b32).

// VoteObject is a vote record as it travels in Add: a Lernejo "Vote" by
// voter (actor) for awarding the badge class badge (target) to learner
// (object). It is the record the voter signs; its @context defines the
// proof it is signed with (data-integrity).
func VoteObject(id, voter, learner, badge string, at time.Time) map[string]any {
	return map[string]any{"@context": []any{NSActivityStreams, NSDataIntegrity, map[string]string{"Vote": "https://lernejo.org/ns#Vote"}},
		"id": id, "type": "Vote", "actor": voter, "object": learner, "target": badge,
		"published": at.UTC().Format(time.RFC3339)}
}

// AddVote adds a vote (the signed record) to a badge's votes (target,
// BADGE/votes), addressed to the course.
func AddVote(id, voter string, vote json.RawMessage, target, course string) []byte {
	return activity(ASActivity{ID: id, Type: vocab.AddType, Actor: voter, Object: vote, Target: target, To: []string{course}})
}

// VoteBadge is the badge class IRI a vote record names (its target), read
// from the record's raw JSON after its proof was checked.
func VoteBadge(raw json.RawMessage) (string, error) {
	var rec struct {
		Target string `json:"target"`
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return "", fmt.Errorf("federation: vote record: %w", err)
	}
	return rec.Target, nil
}
