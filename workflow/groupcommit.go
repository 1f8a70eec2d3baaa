package workflow

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"minyi/store"
	"minyi/ticket"
)

// ErrClosed is returned by GroupCommitter.Submit after Close.
var ErrClosed = errors.New("workflow: group committer closed")

// DefaultGroupSize is the largest number of submissions a GroupCommitter
// writes in one transaction when NewGroupCommitter gets no size.
const DefaultGroupSize = 256

// GroupCommitter records concurrent submissions with one transaction, and so
// one durable commit, for all submissions waiting at the time: while one
// group commits, the next one gathers. A caller's Submit returns once the
// transaction holding its submission has committed, as Service.Submit does,
// so an acknowledged item survives a crash. Validation, masking, tagging and
// routing run in the caller's goroutine, so only the writes are serial.
//
// A submission waits for no timer: when nothing else is waiting, its group
// holds it alone and commits at once.
type GroupCommitter struct {
	svc     *Service
	size    int
	queue   chan *groupItem
	stop    chan struct{}
	stopped sync.WaitGroup
	once    sync.Once

	groups, items atomic.Int64 // group transactions attempted, and the submissions in them
}

// Stats returns how many group transactions the writer has attempted and how
// many submissions they held, so items/groups is the mean group size.
func (g *GroupCommitter) Stats() (groups, items int64) {
	return g.groups.Load(), g.items.Load()
}

// groupItem is one prepared submission on its way to the writer.
type groupItem struct {
	p       *prepared
	written *prepared  // the copy of p that the committed transaction wrote
	done    chan error // receives the outcome of the item's transaction
}

// NewGroupCommitter starts the writer of svc's grouped submissions. size
// bounds a group; zero or less means DefaultGroupSize. Call Close when done.
func NewGroupCommitter(svc *Service, size int) *GroupCommitter {
	if size <= 0 {
		size = DefaultGroupSize
	}
	g := &GroupCommitter{svc: svc, size: size, queue: make(chan *groupItem, size), stop: make(chan struct{})}
	g.stopped.Add(1)
	go g.write()
	return g
}

// Close stops the writer after the submissions already queued are written.
// Submit calls that have not queued yet return ErrClosed.
func (g *GroupCommitter) Close() {
	g.once.Do(func() { close(g.stop) })
	g.stopped.Wait()
}

// Submit records one submission as Service.Submit does: it validates,
// returns the existing ticket for a known external id, and otherwise creates
// the ticket, reporting whether it did.
func (g *GroupCommitter) Submit(ctx context.Context, sub Submission) (*ticket.Ticket, bool, error) {
	s := g.svc
	if t, err := s.admitSubmission(ctx, &sub); t != nil || err != nil {
		return t, false, err
	}

	it := &groupItem{p: s.prepare(ctx, sub), done: make(chan error, 1)}
	select {
	case <-g.stop:
		return nil, false, ErrClosed
	default:
	}
	select {
	case g.queue <- it:
	case <-g.stop:
		return nil, false, ErrClosed
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}

	// The writer sends an outcome for every queued item, so this receive
	// ends whatever happens to ctx. Waiting keeps the caller from reporting
	// a failure that may turn out to be a success.
	err := <-it.done
	if errors.Is(err, errDuplicate) {
		existing, lookupErr := s.byExternalID(ctx, sub.Channel, sub.ExternalID)
		if lookupErr != nil {
			return nil, false, lookupErr
		}
		return existing, false, s.sameItem(existing, sub)
	}
	if err != nil {
		return nil, false, err
	}
	s.announceCreated(ctx, it.written.t, sub.Phone)
	return it.written.t, true, nil
}

// write takes every item waiting, up to the group size, and commits them
// together, until Close. It drains the queue before it returns.
func (g *GroupCommitter) write() {
	defer g.stopped.Done()
	group := make([]*groupItem, 0, g.size)
	for {
		var first *groupItem
		select {
		case first = <-g.queue:
		case <-g.stop:
			select {
			case first = <-g.queue:
			default:
				return
			}
		}
		group = append(group[:0], first)
	gather:
		for len(group) < g.size {
			select {
			case it := <-g.queue:
				group = append(group, it)
			default:
				break gather
			}
		}
		g.commit(group)
	}
}

// commit writes a group in one transaction. An item whose channel and
// external id repeat an earlier item of the group is left out of it and
// receives errDuplicate once the earlier one is written, so that a client
// resending a request does not break its group. When the transaction
// fails for any other reason, such as an external id that another request
// has just created, each item is written in a transaction of its own, so one
// item's failure is that item's alone.
func (g *GroupCommitter) commit(group []*groupItem) {
	s := g.svc
	ctx := context.Background()
	g.groups.Add(1)
	g.items.Add(int64(len(group)))

	var firsts, repeats []*groupItem
	seen := map[[2]string]bool{}
	for _, it := range group {
		key := [2]string{it.p.sub.Channel, it.p.sub.ExternalID}
		if key[1] != "" && seen[key] {
			repeats = append(repeats, it)
			continue
		}
		seen[key] = true
		firsts = append(firsts, it)
	}

	batch := make([]*prepared, len(firsts))
	for i, it := range firsts {
		batch[i] = it.p
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		written, err := s.writePrepared(ctx, tx, batch)
		if err == nil {
			for i, it := range firsts {
				it.written = written[i]
			}
		}
		return err
	})

	if err == nil || len(firsts) == 1 {
		for _, it := range firsts {
			it.done <- err
		}
		for _, it := range repeats {
			if err == nil || errors.Is(err, errDuplicate) {
				it.done <- errDuplicate // Submit then returns the ticket of the earlier item
			} else {
				it.done <- err
			}
		}
		return
	}
	s.log.Warn("group commit failed, writing one by one", "submissions", len(group), "error", err)
	for _, it := range append(firsts, repeats...) {
		it.done <- s.db.InTx(ctx, func(tx *store.Tx) error {
			written, err := s.writePrepared(ctx, tx, []*prepared{it.p})
			if err == nil {
				it.written = written[0]
			}
			return err
		})
	}
}
