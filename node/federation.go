package node

import (
	"context"
	"fmt"
	"net/http"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/inbox"
	"github.com/lernejo/lernejo/outbox"
)

// wireFederation builds the fetch client (its GETs signed by the node's
// Application actor, for peers that refuse unsigned fetches), the resolver,
// the outbox and the inbox.
func (n *Node) wireFederation(ctx context.Context) error {
	var pemText string
	if err := n.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		pemText, err = tx.PrivateKey(domain.InstanceActorName)
		return err
	}); err != nil {
		return fmt.Errorf("read the node's key: %w", err)
	}
	key, err := domain.ParsePrivateKeyPEM(pemText)
	if err != nil {
		return fmt.Errorf("read the node's key: %w", err)
	}
	keyID := n.URLs.Key(n.URLs.Actor(domain.ActorApplication, domain.InstanceActorName))
	ua := "lernejo/" + n.cfg.Version + " (+" + n.URLs.Base() + ")"
	client := federation.NewClient(federation.FetchConfig{
		AllowPrivate: n.cfg.AllowPrivateNetworks,
		UserAgent:    ua,
		Now:          n.cfg.Now,
		Sign: func(r *http.Request) error {
			return federation.SignRequest(r, nil, keyID, key, n.cfg.Now())
		},
	})
	san := federation.NewNodeSanitizer(n.URLs.Base())
	n.Resolver = &federation.Resolver{Client: client, Store: n.Store, Sanitizer: san, URLs: n.URLs, Now: n.cfg.Now}
	reg, observe := n.newMetrics()
	n.Metrics = reg
	n.Outbox = outbox.New(outbox.Config{
		Observe:   observe,
		Store:     n.Store,
		HTTP:      client.HTTP(),
		URLs:      n.URLs,
		Logger:    n.log,
		Now:       n.cfg.Now,
		NewID:     n.Service.NewID,
		UserAgent: ua,
	})
	n.Posts = &outbox.Posts{Store: n.Store, Outbox: n.Outbox, Docs: federation.Documents{URLs: n.URLs, Sanitizer: san},
		Now: n.cfg.Now, NewID: n.Service.NewID}
	n.Courses = &outbox.Courses{Service: n.Service, Posts: n.Posts}
	n.Learning = &outbox.Learning{Service: n.Service, Posts: n.Posts}
	n.Moderation = &outbox.Moderation{Store: n.Store, Now: n.cfg.Now, NewID: n.Service.NewID, URLs: n.URLs}
	n.Service.RichText = san.LocalHTML
	n.Follows = &outbox.Follows{Store: n.Store, Outbox: n.Outbox, Resolver: n.Resolver, URLs: n.URLs, Now: n.cfg.Now,
		NewID: n.Service.NewID, Posts: n.Posts}
	n.Inbox, err = inbox.New(ctx, inbox.Config{
		Store:     n.Store,
		URLs:      n.URLs,
		Resolver:  n.Resolver,
		Outbox:    n.Outbox,
		Notes:     n.Posts,
		Learning:  n.Learning,
		Logger:    n.log,
		Now:       n.cfg.Now,
		NewID:     n.Service.NewID,
		Sanitizer: san,
		Backlog:   n.cfg.InboxBacklog,
	})
	return err
}
