package domain

import "time"

// RemoteActor is an actor of another server, as last fetched from its origin.
type RemoteActor struct {
	ID       string
	Type     string
	Username string // preferredUsername
	Host     string // canonical host of ID
	Name     string // plain text
	Summary  string // sanitised HTML
	URL      string
	// IconURL is the picture its actor document's icon names, which the
	// node fetches, re-encodes and serves itself (RemoteAvatar).
	IconURL                   string
	Inbox                     string
	SharedInbox               string
	KeyID                     string
	PublicKeyPEM              string
	ManuallyApprovesFollowers bool
	// AssertionKeys are the actor's Ed25519 keys by id (FEP-521a
	// assertionMethod), used to check proofs on its records.
	AssertionKeys map[string][]byte
	// Lernejo is true for actors of other Lernejo nodes (they carry our
	// namespace), which take Join and Leave as well as Follow.
	Lernejo bool
	// Tasks is a Lernejo course's tasks collection.
	Tasks string
	// Questions are a Lernejo course's sign-up questions (signUpQuestions),
	// as plain text, which its remote join page asks.
	Questions []string
	// Starts and Ends are a Lernejo course's dates (its startTime and
	// endTime), zero for a self-paced course.
	Starts, Ends time.Time `json:",omitzero"`
	Fetched      time.Time
}

// Handle is @username@host.
func (a *RemoteActor) Handle() string { return "@" + a.Username + "@" + a.Host }

// DisplayName is the name, or the handle when there is none.
func (a *RemoteActor) DisplayName() string {
	if a.Name != "" {
		return a.Name
	}
	return a.Handle()
}

// DeliveryInbox is where to deliver to this actor: the shared inbox when it
// has one, so a host with many followers gets one POST.
func (a *RemoteActor) DeliveryInbox() string {
	if a.SharedInbox != "" {
		return a.SharedInbox
	}
	return a.Inbox
}

// FollowState is the state of a follow (an enrolment, for a course).
type FollowState string

// Follow states.
const (
	FollowPending  FollowState = "pending"
	FollowAccepted FollowState = "accepted"
)

// Follower is an actor of another server following a local actor.
type Follower struct {
	Local      string // handle of the followed local actor
	Actor      string // id of the remote follower
	ActivityID string // id of its Follow activity
	State      FollowState
	Inbox      string // where deliveries for it go (shared inbox preferred); "" for local people
	// Answers are the learner's answers to a moderated course's sign-up
	// questions (the Join's content, or their reply to our question note).
	Answers string
	// QuestionNote is the id of the direct note that asked the questions.
	QuestionNote string
	// Lernejo is true when the follower joined with Join (a Lernejo node),
	// so answers are Accept{Join}/Reject{Join}.
	Lernejo bool
	Created time.Time
}

// Following is a local person following an actor of another server.
type Following struct {
	Local      string // handle of the local person
	Target     string // id of the remote actor
	ActivityID string // id of our Follow activity
	State      FollowState
	Created    time.Time
}

// Tombstone marks a remote actor or object as deleted, so a late Create or
// Update cannot bring it back.
type Tombstone struct {
	ID      string
	Deleted time.Time
}

// InboxItem is a received activity, journalled durably before the inbox
// answers 202, and processed from the journal.
type InboxItem struct {
	ID         string // ULID: journal order
	ActivityID string
	Signer     string // id of the actor whose key signed the request
	// Host is the sending domain (federation.RegistrableDomain of the
	// signer's host): the processor takes turns between hosts, and each
	// host's backlog is bounded. Items journalled by versions before it
	// have none until the inbox gives them one at start.
	Host     string
	Raw      []byte // exactly the bytes received
	Received time.Time
}

// OutActivity is an activity a local actor sent; kept so deliveries can be
// retried with the same bytes.
type OutActivity struct {
	ID      string // its id (a URL on this node)
	Actor   string // handle of the local actor that signs it
	JSON    []byte
	Created time.Time
	// KeepFor, when set, is how long the activity is kept (and served at
	// its id); zero keeps it. An activity that only changes state (Follow,
	// Accept, Undo, …) need not outlive its deliveries by much.
	KeepFor time.Duration `json:"-"`
}

// Delivery is one POST of an activity to one inbox, retried until it is
// accepted, refused for good, or its schedule runs out.
type Delivery struct {
	ID         string // ULID
	ActivityID string
	Actor      string // handle of the signer
	Inbox      string
	Attempts   int
	NextAt     time.Time
	LastError  string
	Created    time.Time
}

// HostHealth is what the node knows about a host it delivers to.
type HostHealth struct {
	Host string
	// FailureDays are the distinct days (YYYY-MM-DD, UTC) on which deliveries
	// to the host failed since it last answered.
	FailureDays []string
	// Unavailable hosts are skipped until they answer or send us something signed.
	Unavailable bool
	// Signature is the HTTP signature scheme the host last answered a delivery signed with, other
	// than by refusing the signature: "" when not known (it never answered, or the record was written
	// before schemes were remembered), SignatureRFC9421 or SignatureCavage.
	Signature SignatureScheme
	// SignatureLearned is when Signature was learnt or last confirmed. A host remembered as
	// SignatureCavage is offered RFC 9421 again once this is old enough (servers upgrade).
	SignatureLearned time.Time
}

// SignatureScheme is a way of signing HTTP requests that a host accepts.
type SignatureScheme string

// Signature schemes of deliveries.
const (
	// SignatureRFC9421 is RFC 9421 HTTP Message Signatures (Mastodon 4.5, Fedify).
	SignatureRFC9421 SignatureScheme = "rfc9421"
	// SignatureCavage is draft-cavage-http-signatures-12, what every fediverse server verifies.
	SignatureCavage SignatureScheme = "cavage"
)
