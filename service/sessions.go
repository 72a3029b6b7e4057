package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/password"
)

// The writes of sessions: logging in and out, signing up (which logs the
// new person in) and changing one's password (which logs every other
// session out). A session's id comes fresh from crypto/rand and the session
// the browser held before is deleted, so that an id chosen by someone else
// never survives a log-in (HOSTILE W2). The limits on attempts are web's.

// errNoMatch is the answer to a log-in whose handle and password do not
// match an account: the same whether the account exists or not.
var errNoMatch = domain.Errorf(domain.EUNAUTHORISED, "That handle and password do not match an account here.")

// noAccountHash is a hash to check passwords against when there is no such
// account, so that a log-in for a missing handle takes as long as a wrong
// password. It is made once, on the first such log-in, and never changes.
var noAccountHash = sync.OnceValues(func() (string, error) { return password.Hash("lernejo-no-such-account") })

// LogIn checks the password of the local person handle and starts a new
// session for them, ending old, the session the browser held before ("" or
// a token that names none: nothing to end). A wrong password and a handle
// with no account are refused alike, with EUNAUTHORISED; the right password
// of a suspended account with EFORBIDDEN.
func (s *Accounts) LogIn(ctx context.Context, handle, pw, old string) (*domain.Session, error) {
	var p *domain.Person
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		p, err = tx.Person(handle)
		return err
	})
	if err != nil && !domain.IsNotFound(err) {
		return nil, err
	}
	if p == nil {
		// Spend the same time as for a wrong password.
		hash, err := noAccountHash()
		if err != nil {
			return nil, err
		}
		_ = password.Check(hash, pw)
		return nil, errNoMatch
	}
	if err := password.Check(p.PasswordHash, pw); err != nil {
		if errors.Is(err, password.ErrMismatch) {
			return nil, errNoMatch
		}
		return nil, fmt.Errorf("service: check the password of %s: %w", p.Handle, err)
	}
	// Said only to whoever knows the password, so that the refusal tells
	// no one else which accounts are suspended.
	if p.IsSuspended() {
		return nil, errSuspended
	}
	return s.startSession(ctx, p.Handle, old)
}

// errSuspended is the answer to a right password of a suspended account.
var errSuspended = domain.Errorf(domain.EFORBIDDEN, "This account is suspended by the node's operators.")

// startSession starts a new session for the person handle, ending old.
func (s *Accounts) startSession(ctx context.Context, handle, old string) (*domain.Session, error) {
	sess, err := domain.NewSession(handle, s.Now())
	if err != nil {
		return nil, err
	}
	err = s.Store.Update(ctx, func(tx domain.Tx) error {
		if domain.ValidToken(old) {
			if err := tx.DeleteSession(old); err != nil {
				return err
			}
		}
		if err := markActive(tx, handle, sess.Created); err != nil {
			return err
		}
		return tx.PutSession(sess)
	})
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// markActive records, inside tx, that the person handle logged in or
// posted at now, for NodeInfo's counts of active users. The day is enough
// for those, so a person is written at most once a day.
func markActive(tx domain.PersonStore, handle string, now time.Time) error {
	p, err := tx.Person(handle)
	if err != nil {
		return err
	}
	if now.Sub(p.LastActive) < 24*time.Hour {
		return nil
	}
	p.LastActive = now.UTC()
	return tx.PutPerson(p)
}

// LogOut ends the session token.
func (s *Accounts) LogOut(ctx context.Context, token string) error {
	return s.Store.Update(ctx, func(tx domain.Tx) error { return tx.DeleteSession(token) })
}

// SetFlash keeps f on the session token, for the next page its browser
// shows (web shows it once, through TakeFlash). It replaces a flash not yet
// shown: the latest form's outcome is the one to tell. A token that names
// no live session is not found.
func (s *Accounts) SetFlash(ctx context.Context, token string, f domain.Flash) error {
	if !domain.ValidToken(token) {
		return domain.Errorf(domain.ENOTFOUND, "Session not found.")
	}
	f = f.Bounded()
	return s.Store.Update(ctx, func(tx domain.Tx) error {
		sess, err := tx.Session(token)
		if err != nil {
			return err
		}
		sess.Flash = &f
		return tx.PutSession(sess)
	})
}

// TakeFlash returns the flash kept on the session token and removes it, in
// one transaction, so that two pages loading at once show it once; nil
// when there is none (or no such session).
func (s *Accounts) TakeFlash(ctx context.Context, token string) (*domain.Flash, error) {
	if !domain.ValidToken(token) {
		return nil, nil
	}
	var f *domain.Flash
	err := s.Store.Update(ctx, func(tx domain.Tx) error {
		f = nil // a transaction that reruns starts again
		sess, ok, err := domain.Found(tx.Session(token))
		if err != nil || !ok || sess.Flash == nil {
			return err
		}
		f, sess.Flash = sess.Flash, nil
		return tx.PutSession(sess)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// SignUpForm is what a person fills in to sign up.
type SignUpForm struct {
	Handle, DisplayName string
	// Password is the chosen password, Confirm the same typed again.
	Password, Confirm string
}

// SignUp creates a local account, when the operator's settings let people
// register, and logs it in with a new session, ending old (as LogIn). A
// refusal says what to change: EFORBIDDEN when registration is closed,
// EINVALID for a handle or password that will not do, ECONFLICT for a
// handle that is taken.
func (s *Accounts) SignUp(ctx context.Context, f SignUpForm, old string) (*domain.Session, error) {
	var open bool
	if err := s.Store.View(ctx, func(tx domain.Tx) error {
		st, err := tx.Settings()
		open = st.RegistrationOpen
		return err
	}); err != nil {
		return nil, err
	}
	if !open {
		return nil, domain.Errorf(domain.EFORBIDDEN, "Registration is closed on this node.")
	}
	handle := domain.NormaliseHandle(f.Handle)
	if err := domain.ValidateHandle(handle); err != nil {
		return nil, domain.OnField("handle", err)
	}
	if err := checkNewPassword(f.Password, f.Confirm, "password", "password_confirm"); err != nil {
		return nil, err
	}
	hash, err := password.Hash(f.Password)
	if err != nil {
		return nil, err
	}
	p := &domain.Person{Handle: handle, DisplayName: strings.TrimSpace(f.DisplayName), PasswordHash: hash}
	if err := s.Register(ctx, p); err != nil {
		if domain.IsConflict(err) {
			return nil, domain.Errorf(domain.ECONFLICT, "The handle %s is already taken. Please choose another.", handle).On("handle")
		}
		return nil, err
	}
	return s.startSession(ctx, p.Handle, old)
}

// checkNewPassword says, as EINVALID, what is wrong with a new password
// and the same typed again, on the form's field of the one to fix
// (pwField, confirmField).
func checkNewPassword(pw, confirm, pwField, confirmField string) error {
	if err := checkPassword(pw, domain.Phrase("Your password")); err != nil {
		return domain.OnField(pwField, err)
	}
	if pw != confirm {
		return domain.Errorf(domain.EINVALID, "The two passwords are not the same.").On(confirmField)
	}
	return nil
}

// checkPassword says, as EINVALID, what is wrong with a new password (too
// short or too long); whose names it in the message ("Your password").
func checkPassword(pw string, whose domain.Phrase) error {
	switch {
	case len(pw) < password.MinLen:
		return domain.Errorf(domain.EINVALID, "%s needs at least %d characters.", whose, password.MinLen)
	case len(pw) > password.MaxLen:
		return domain.Errorf(domain.EINVALID, "%s can have at most %d characters.", whose, password.MaxLen)
	}
	return nil
}

// Create registers a local person with the password pw, as the operator
// does with lernejo admin create-user (registration need not be open).
func (s *Accounts) Create(ctx context.Context, handle, name string, admin bool, pw string) (*domain.Person, error) {
	if err := checkPassword(pw, domain.Phrase("A password")); err != nil {
		return nil, err
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return nil, err
	}
	p := &domain.Person{Handle: handle, DisplayName: name, PasswordHash: hash, Admin: admin}
	if err := s.Register(ctx, p); err != nil {
		if domain.IsConflict(err) {
			return nil, domain.Errorf(domain.ECONFLICT, "The handle %s is already taken.", p.Handle)
		}
		return nil, err
	}
	return p, nil
}

// ResetPassword sets a person's password, as the operator does with
// lernejo admin reset-password, and logs them out everywhere.
func (s *Accounts) ResetPassword(ctx context.Context, handle, pw string) error {
	if err := checkPassword(pw, domain.Phrase("A password")); err != nil {
		return err
	}
	hash, err := password.Hash(pw) // outside the transaction, which may rerun
	if err != nil {
		return err
	}
	h := domain.NormaliseHandle(handle)
	return s.Store.Update(ctx, func(tx domain.Tx) error {
		p, err := tx.Person(h)
		if domain.IsNotFound(err) {
			return domain.Errorf(domain.ENOTFOUND, "There is no person %q on this node.", h)
		}
		if err != nil {
			return err
		}
		p.PasswordHash, p.Updated = hash, s.Now().UTC()
		if err := tx.PutPerson(p); err != nil {
			return err
		}
		return tx.DeleteSessionsOf(h)
	})
}

// PasswordChange is what a person fills in to change their password.
type PasswordChange struct {
	Current string
	// New is the new password, Confirm the same typed again.
	New, Confirm string
}

// ChangePassword changes the password of the local person handle. Every
// session of theirs ends; the one returned is this browser's new one. A
// wrong current password is refused with EUNAUTHORISED, before anything
// else is looked at; a new password that will not do with EINVALID.
func (s *Accounts) ChangePassword(ctx context.Context, handle string, ch PasswordChange) (*domain.Session, error) {
	var p *domain.Person
	if err := s.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		p, err = tx.Person(handle)
		return err
	}); err != nil {
		return nil, err
	}
	if err := password.Check(p.PasswordHash, ch.Current); err != nil {
		if errors.Is(err, password.ErrMismatch) {
			return nil, domain.Errorf(domain.EUNAUTHORISED, "Your current password is not right.").On("current_password")
		}
		return nil, fmt.Errorf("service: check the password of %s: %w", handle, err)
	}
	if err := checkNewPassword(ch.New, ch.Confirm, "new_password", "new_password_confirm"); err != nil {
		return nil, err
	}
	hash, err := password.Hash(ch.New)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	sess, err := domain.NewSession(handle, now)
	if err != nil {
		return nil, err
	}
	err = s.Store.Update(ctx, func(tx domain.Tx) error {
		q, err := tx.Person(handle)
		if err != nil {
			return err
		}
		q.PasswordHash, q.Updated = hash, now.UTC()
		if err := tx.PutPerson(q); err != nil {
			return err
		}
		if err := tx.DeleteSessionsOf(handle); err != nil {
			return err
		}
		return tx.PutSession(sess)
	})
	if err != nil {
		return nil, err
	}
	return sess, nil
}
