package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/password"
	"github.com/lernejo/lernejo/i18n"
)

// Mailer wakes the sender of the mail queue; mail.Sender is the one in
// production.
type Mailer interface {
	// Wake tells the sender that new mail is queued.
	Wake()
}

// Mail is people's email: the address and opt-ins on their settings page,
// its confirmation, password resets, and notify, the one door through
// which every notification mail is queued. A mail is queued in the store
// in the transaction of the change that causes it (the mail package sends
// it later), so a change and its mail commit together or not at all.
// Without an SMTP server (no Mailer) nothing is queued: the settings page
// says so and the log-in page offers no reset.
type Mail struct {
	*env
	mailer Mailer
	words  *i18n.Catalogue
}

// printer writes a mail in the first of langs the catalogue speaks
// (a person's chosen language, then that of the page they asked from),
// or else in English.
func (m *Mail) printer(langs ...string) *i18n.Printer {
	for _, l := range langs {
		if i18n.Supported(l) {
			return m.words.Printer(i18n.Lang(l))
		}
	}
	return m.words.Printer(i18n.English)
}

// Enabled reports whether the node has an SMTP server to send mail with.
func (m *Mail) Enabled() bool { return m != nil && m.mailer != nil }

// MailForm is what a person saves on their email settings page.
type MailForm struct {
	Address string
	Kinds   []domain.MailKind
	// Language is that of the page the form was sent from: the
	// confirmation is written in it, and so are the notification mails
	// while the person has chosen no language of their own.
	Language string
}

// Settings returns a person's mail settings; empty ones when they never
// saved any.
func (m *Mail) Settings(ctx context.Context, handle string) (*domain.MailSettings, error) {
	var out *domain.MailSettings
	err := m.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		out, err = tx.MailSettings(handle)
		if domain.IsNotFound(err) {
			out, err = &domain.MailSettings{Person: handle}, nil
		}
		return err
	})
	return out, err
}

// SaveSettings saves a person's address and the kinds of notification they
// want by mail. A new address (or the same one, not yet confirmed) is sent
// a confirmation link first, and gets no other mail until it is opened;
// confirm reports whether such a link was sent.
func (m *Mail) SaveSettings(ctx context.Context, handle string, f MailForm) (confirm bool, err error) {
	if !m.Enabled() {
		return false, domain.Errorf(domain.EFORBIDDEN, "This node does not send email.")
	}
	addr, err := domain.NormaliseAddress(f.Address)
	if err != nil {
		return false, err
	}
	var kinds []domain.MailKind
	for _, k := range domain.MailKinds {
		if slices.Contains(f.Kinds, k) {
			kinds = append(kinds, k)
		}
	}
	err = m.Store.Update(ctx, func(tx domain.Tx) error {
		p, err := tx.Person(handle)
		if err != nil {
			return err
		}
		old, err := tx.MailSettings(handle)
		if domain.IsNotFound(err) {
			old, err = &domain.MailSettings{Person: handle}, nil
		}
		if err != nil {
			return err
		}
		s := &domain.MailSettings{Person: handle, Address: addr, Kinds: kinds, Updated: m.Now().UTC(),
			Confirmed: old.Confirmed && old.Address == addr, Language: f.Language}
		if err := tx.PutMailSettings(s); err != nil {
			return err
		}
		if addr == "" || s.Confirmed {
			return nil
		}
		confirm = true
		token, err := m.newToken(tx, domain.TokenConfirmAddress, p, addr, domain.ConfirmTokenTTL)
		if err != nil {
			return err
		}
		name, err := m.nodeName(tx)
		if err != nil {
			return err
		}
		pr := m.printer(f.Language)
		return m.queue(tx, addr, pr.T("Confirm your email address on %s", name),
			pr.T("Hello %s,", p.Name())+"\n\n"+
				pr.T("Please confirm that this is your address on %s (@%s), so that it can send you the notifications you chose:", name, handle)+"\n\n"+
				m.URLs.Base()+"/email/confirm/"+token+"\n\n"+
				pr.T("If you did not give this address, ignore this mail: nothing will be sent to it.")+"\n")
	})
	if err == nil {
		m.mailer.Wake()
	}
	return confirm, err
}

// CheckConfirmation reports whether a confirmation link still works,
// without using it.
func (m *Mail) CheckConfirmation(ctx context.Context, token string) error {
	return m.Store.View(ctx, func(tx domain.Tx) error {
		_, _, err := m.confirmation(tx, token)
		return err
	})
}

// Confirm opens a confirmation link: the address it was sent to is
// confirmed, if it is still the person's. The link works once.
func (m *Mail) Confirm(ctx context.Context, token string) error {
	return m.Store.Update(ctx, func(tx domain.Tx) error {
		t, s, err := m.confirmation(tx, token)
		if err != nil {
			return err
		}
		if err := tx.DeleteMailToken(t.Hash); err != nil {
			return err
		}
		s.Confirmed, s.Updated = true, m.Now().UTC()
		return tx.PutMailSettings(s)
	})
}

var errBadLink = domain.Errorf(domain.ENOTFOUND, "This link does not work: it was used already, it expired, or it was mistyped.")

// confirmation finds the token of a confirmation link and the settings it
// confirms.
func (m *Mail) confirmation(tx domain.MailStore, token string) (*domain.MailToken, *domain.MailSettings, error) {
	t, err := m.token(tx, domain.TokenConfirmAddress, token)
	if err != nil {
		return nil, nil, err
	}
	s, err := tx.MailSettings(t.Person)
	if domain.IsNotFound(err) || err == nil && s.Address != t.Address {
		return nil, nil, errBadLink
	}
	return t, s, err
}

// RequestReset mails a password reset link to each account that who names,
// by handle or by email address, and that has a confirmed address. It says
// nothing of what it found: a visitor cannot learn from it which accounts
// or addresses exist (the web layer answers the same in every case). The
// mail is in the person's language, or else lang, that of the page asked
// from.
func (m *Mail) RequestReset(ctx context.Context, who, lang string) error {
	if !m.Enabled() {
		return domain.Errorf(domain.EFORBIDDEN, "This node does not send email.")
	}
	who = strings.TrimSpace(who)
	if who == "" {
		return domain.Errorf(domain.EINVALID, "Please enter your handle or your email address.")
	}
	err := m.Store.Update(ctx, func(tx domain.Tx) error {
		var handles []string
		if addr, err := domain.NormaliseAddress(who); err == nil && strings.Contains(who, "@") {
			if handles, err = tx.PeopleWithAddress(addr); err != nil {
				return err
			}
		}
		if h := domain.NormaliseHandle(who); domain.ValidateHandle(h) == nil {
			handles = append(handles, h)
		}
		name, err := m.nodeName(tx)
		if err != nil {
			return err
		}
		for _, h := range handles {
			s, err := tx.MailSettings(h)
			if domain.IsNotFound(err) {
				continue
			}
			if err != nil {
				return err
			}
			p, err := tx.Person(h)
			if domain.IsNotFound(err) {
				continue
			}
			if err != nil {
				return err
			}
			if s.Address == "" || !s.Confirmed || p.IsSuspended() {
				continue
			}
			token, err := m.newToken(tx, domain.TokenResetPassword, p, s.Address, domain.ResetTokenTTL)
			if err != nil {
				return err
			}
			pr := m.printer(p.Language, lang)
			if err := m.queue(tx, s.Address, pr.T("Reset your password on %s", name),
				pr.T("Hello %s,", p.Name())+"\n\n"+
					pr.T("Someone, perhaps you, asked to reset the password of @%s on %s. To choose a new one, open this link within an hour:", h, name)+"\n\n"+
					m.URLs.Base()+"/password/reset/"+token+"\n\n"+
					pr.T("The link works once. If you did not ask, ignore this mail: your password stays as it is.")+"\n"); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		m.mailer.Wake()
	}
	return err
}

// CheckReset reports whether a reset link still works, without using it.
func (m *Mail) CheckReset(ctx context.Context, token string) error {
	return m.Store.View(ctx, func(tx domain.Tx) error {
		_, _, err := m.reset(tx, token)
		return err
	})
}

// ResetPassword uses a reset link: it sets the person's new password and
// ends every session of theirs. The link works once, and not at all once
// the password changed after it was sent.
func (m *Mail) ResetPassword(ctx context.Context, token, newPassword, confirm string) error {
	if err := checkNewPassword(newPassword, confirm, "new_password", "new_password_confirm"); err != nil {
		return err
	}
	if err := m.CheckReset(ctx, token); err != nil {
		return err
	}
	hash, err := password.Hash(newPassword)
	if err != nil {
		return err
	}
	return m.Store.Update(ctx, func(tx domain.Tx) error {
		t, p, err := m.reset(tx, token)
		if err != nil {
			return err
		}
		if err := tx.DeleteMailToken(t.Hash); err != nil {
			return err
		}
		p.PasswordHash, p.Updated = hash, m.Now().UTC()
		if err := tx.PutPerson(p); err != nil {
			return err
		}
		return tx.DeleteSessionsOf(p.Handle)
	})
}

// resetTx is what a reset link's check reads.
type resetTx interface {
	domain.MailStore
	domain.PersonStore
}

// reset finds the token of a reset link and the person it is for.
func (m *Mail) reset(tx resetTx, token string) (*domain.MailToken, *domain.Person, error) {
	t, err := m.token(tx, domain.TokenResetPassword, token)
	if err != nil {
		return nil, nil, err
	}
	p, err := tx.Person(t.Person)
	if domain.IsNotFound(err) {
		return nil, nil, errBadLink
	}
	if err != nil {
		return nil, nil, err
	}
	if p.IsSuspended() || t.Stamp != stamp(p) {
		return nil, nil, errBadLink
	}
	return t, p, nil
}

// mailNotifyTx is what notify reads and writes.
type mailNotifyTx interface {
	domain.MailStore
	domain.SettingsStore
	domain.PersonStore
}

// notify queues the mail of notification n to the local person handle,
// inside the caller's transaction, when they gave a confirmed address and
// opted in to its kind; otherwise it does nothing. It is written in the
// person's language (their choice, or else that of the page they saved
// their mail settings from), as plain text (the mail package encodes it),
// with a link to the page it is about.
func (m *Mail) notify(tx mailNotifyTx, handle string, n domain.Notification) error {
	if !m.Enabled() {
		return nil
	}
	s, err := tx.MailSettings(handle)
	if domain.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	p, err := tx.Person(handle)
	if err != nil {
		return err
	}
	pr := m.printer(p.Language, s.Language)
	kind, subject, text := notificationMail(pr, n)
	if !s.Wants(kind) {
		return nil
	}
	name, err := m.nodeName(tx)
	if err != nil {
		return err
	}
	body := strings.TrimSpace(text) + "\n"
	if link := n.URL; link != "" {
		if strings.HasPrefix(link, "/") {
			link = m.URLs.Base() + link
		}
		body += "\n" + link + "\n"
	}
	body += "\n-- \n" + pr.T("You get this mail because you asked %s for it. Choose which mails you get: %s", name, m.URLs.Base()+"/settings/email") + "\n"
	return m.queue(tx, s.Address, subject, body)
}

// queue puts a mail to address in the queue, due now.
func (m *Mail) queue(tx domain.MailStore, address, subject, text string) error {
	now := m.Now().UTC()
	return tx.PutMail(&domain.OutMail{ID: m.NewID(), To: address, Subject: subject, Text: text, Created: now, NextAt: now})
}

// newToken stores a new one-use link token for a person and returns it.
// Only its hash is stored. It keeps a stamp of the person's password hash,
// so that any change of password voids the reset links sent before it.
func (m *Mail) newToken(tx domain.MailStore, purpose domain.MailTokenPurpose, p *domain.Person, addr string, ttl time.Duration) (string, error) {
	token, err := domain.NewToken()
	if err != nil {
		return "", err
	}
	now := m.Now().UTC()
	err = tx.PutMailToken(&domain.MailToken{Hash: tokenHash(token), Purpose: purpose, Person: p.Handle, Address: addr,
		Stamp: stamp(p), Created: now, Expires: now.Add(ttl)})
	if err != nil {
		return "", fmt.Errorf("service: store a mail token: %w", err)
	}
	return token, nil
}

// token finds a link's token of the purpose; any other, or a token not
// of the shape NewToken makes, is errBadLink.
func (m *Mail) token(tx domain.MailStore, purpose domain.MailTokenPurpose, token string) (*domain.MailToken, error) {
	if !domain.ValidToken(token) {
		return nil, errBadLink
	}
	t, err := tx.MailToken(tokenHash(token))
	if domain.IsNotFound(err) {
		return nil, errBadLink
	}
	if err != nil {
		return nil, err
	}
	if t.Purpose != purpose || !m.Now().Before(t.Expires) {
		return nil, errBadLink
	}
	return t, nil
}

// nodeName is the node's name, for mails.
func (m *Mail) nodeName(tx domain.SettingsStore) (string, error) {
	st, err := tx.Settings()
	if err != nil {
		return "", err
	}
	if st.Name == "" {
		return m.URLs.Host(), nil
	}
	return st.Name, nil
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// stamp is a short digest of a person's password hash.
func stamp(p *domain.Person) string {
	h := sha256.Sum256([]byte("reset\x00" + p.PasswordHash))
	return "pw:" + hex.EncodeToString(h[:8])
}
