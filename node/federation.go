package node

import (
	"context"
	"crypto/rsa"
	"fmt"
	"net/http"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/fetch"
	"github.com/lernejo/lernejo/federation/httpsig"
	"github.com/lernejo/lernejo/i18n"
	"github.com/lernejo/lernejo/inbox"
	"github.com/lernejo/lernejo/mail"
	"github.com/lernejo/lernejo/outbox"
	"github.com/lernejo/lernejo/service"
)

// wire builds the fetch client (its GETs signed by the node's Application
// actor, for peers that refuse unsigned fetches), the resolver, the outbox,
// the services over them, and the inbox; and creates the node's actor on
// its first start.
func (n *Node) wire(ctx context.Context) error {
	newID := newULID(n.cfg.Now)
	// The node's key, read below once the services made sure it exists;
	// nothing signs before Start.
	var key *rsa.PrivateKey
	keyID := n.URLs.Key(n.URLs.Actor(domain.ActorApplication, domain.InstanceActorName))
	ua := "lernejo/" + n.cfg.Version + " (+" + n.URLs.Base() + ")"
	client := fetch.NewClient(fetch.Config{
		AllowPrivate: n.cfg.AllowPrivateNetworks,
		UserAgent:    ua,
		Now:          n.cfg.Now,
		Sign: func(r *http.Request) error {
			return httpsig.Sign(r, nil, keyID, key, n.cfg.Now())
		},
	})
	san := federation.NewNodeSanitizer(n.URLs.Base())
	n.docs = federation.Documents{URLs: n.URLs, Sanitizer: san}
	n.Resolver = &fetch.Resolver{Client: client, Store: n.Store, Sanitizer: san, URLs: n.URLs, Now: n.cfg.Now}
	reg, observe := n.newMetrics()
	n.Metrics = reg
	n.Outbox = outbox.New(outbox.Config{
		Observe:   observe,
		Store:     n.Store,
		HTTP:      client.HTTP(),
		URLs:      n.URLs,
		Logger:    n.log,
		Now:       n.cfg.Now,
		NewID:     newID,
		UserAgent: ua,
	})
	var mailer service.Mailer
	if n.cfg.SMTP.Configured() {
		var err error
		if n.Mail, err = mail.New(mail.Config{SMTP: n.cfg.SMTP, Store: n.Store, Host: n.URLs.Host(), Logger: n.log, Now: n.cfg.Now}); err != nil {
			return err
		}
		mailer = n.Mail
	}
	words, err := i18n.Load()
	if err != nil {
		return err
	}
	n.Services = service.New(service.Config{
		Words:    words,
		Store:    n.Store,
		Queue:    n.Outbox,
		Mailer:   mailer,
		Docs:     n.docs,
		Resolver: n.Resolver,
		Now:      n.cfg.Now,
		NewID:    newID,
		NewKeys:  domain.GenerateKeyPair,
	})
	if err := n.Services.Accounts.EnsureInstanceActor(ctx); err != nil {
		return fmt.Errorf("create the node's actor: %w", err)
	}
	var pemText string
	if err := n.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		pemText, err = tx.PrivateKey(domain.InstanceActorName)
		return err
	}); err != nil {
		return fmt.Errorf("read the node's key: %w", err)
	}
	if key, err = domain.ParsePrivateKeyPEM(pemText); err != nil {
		return fmt.Errorf("read the node's key: %w", err)
	}
	n.Inbox, err = inbox.New(ctx, inbox.Config{
		Store:      n.Store,
		URLs:       n.URLs,
		Resolver:   n.Resolver,
		Outbox:     n.Outbox,
		Enrolment:  n.Services.Enrolment,
		Discussion: n.Services.Posts,
		Learning:   n.Services.Tasks,
		Badges:     n.Services.Badges,
		Moderation: n.Services.Moderation,
		Schools:    n.Services.Schools,
		Meetings:   n.Services.Meetings,
		Reviews:    n.Services.Reviews,
		Logger:     n.log,
		Now:        n.cfg.Now,
		NewID:      newID,
		Sanitizer:  san,
		Backlog:    n.cfg.InboxBacklog,
		Journal:    n.cfg.InboxJournal,
		Priority:   n.priority,
	})
	return err
}
