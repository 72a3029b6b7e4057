package integrity

// The records this node signs and checks: task completions and badge awards carry a proof by the
// assertion key of the learner or issuer that made them (FEP-8b32, DESIGN.md §4).

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// SignRecord adds a Data Integrity proof (eddsa-jcs-2022) by the actor's
// assertion key to a record (FEP-8b32): a map or a typed document, as it
// encodes to JSON.
func SignRecord(record any, actorID string, seed []byte, at time.Time) ([]byte, error) {
	b, err := json.Marshal(record)
	if err != nil {
		return nil, err
	}
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("integrity: no assertion key for %s", actorID)
	}
	return SignProof(b, federation.AssertionKeyID(actorID), ed25519.NewKeyFromSeed(seed), at)
}

// VerifyRecord checks a record's proof against the assertion keys of the
// actor that must have made it.
func VerifyRecord(record []byte, actor *domain.RemoteActor) error {
	return VerifyProof(record, actor.ID, func(vm string) (ed25519.PublicKey, string, error) {
		k, ok := actor.AssertionKeys[vm]
		if !ok {
			return nil, "", fmt.Errorf("%w: %s is not an assertion key of %s", ErrProof, vm, actor.ID)
		}
		return ed25519.PublicKey(k), actor.ID, nil
	})
}
