package inbox

import (
	"context"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// flag handles Flag: a report to this node's operator about actors or posts
// (Mastodon and GoToSocial send it from their instance actor, the objects
// as an array of ids), kept by Moderation.ReceiveReport with its comment
// as plain text. Nothing is answered to the reporter.
func (in *Inbox) flag(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	var objects []string
	if o := act.Object; o != nil {
		if len(o.Objects) > 0 {
			objects = append(objects, o.Objects...)
		} else if o.ID != "" {
			objects = []string{o.ID}
		}
	}
	return in.cfg.Moderation.ReceiveReport(tx, &domain.Report{Reporter: act.Actor, Objects: objects,
		Content: in.cfg.Sanitizer.PlainText(act.Content)})
}
