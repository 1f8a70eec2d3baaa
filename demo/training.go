package demo

import (
	"slices"
	"strings"

	"minyi/classify"
	"minyi/profile"
)

// Heads of the examples this package generates.
const (
	HeadTag  = "tag"
	HeadKind = "kind"
)

// LabelTags returns the tags a classifier predicts: the profile's tags that
// have no child tags, in profile order. Parent tags only group them.
func LabelTags(p *profile.Profile) []string {
	parents := map[string]bool{}
	for _, t := range p.Tags {
		if t.Parent != "" {
			parents[t.Parent] = true
		}
	}
	var out []string
	for _, t := range p.Tags {
		if !parents[t.Name] {
			out = append(out, t.Name)
		}
	}
	return out
}

// UncoveredTags returns the label tags of p that the package has no templates
// for. TrainingExamples and Items never produce them.
func UncoveredTags(p *profile.Profile) []string {
	var out []string
	for _, tag := range LabelTags(p) {
		if topicFor(tag) == nil {
			out = append(out, tag)
		}
	}
	return out
}

// topicFor returns the topic of a tag, or nil when there is none.
func topicFor(tag string) *topic {
	for i := range topics {
		if topics[i].tag == tag {
			return &topics[i]
		}
	}
	return nil
}

// coveredTopics returns the topics of the label tags of p, in profile order.
func coveredTopics(p *profile.Profile) []*topic {
	var out []*topic
	for _, tag := range LabelTags(p) {
		if t := topicFor(tag); t != nil {
			out = append(out, t)
		}
	}
	return out
}

// TrainingExamples returns n short citizen messages labelled for the "tag"
// head with the label tags of p. The tags take turns, so each appears about
// n divided by their number times. About 8 % of the texts fit two tags equally
// well and carry either one, so a model trained on them is not perfect.
// Tags without templates (see UncoveredTags) are left out; a profile with
// none covered, or n below 1, gives nil.
func TrainingExamples(p *profile.Profile, n int, seed int64) []classify.Example {
	ts := coveredTopics(p)
	if n < 1 || len(ts) == 0 {
		return nil
	}
	covered := map[string]bool{}
	for _, t := range ts {
		covered[t.tag] = true
	}
	var amb []int
	for i, a := range ambiguous {
		if covered[a.tags[0]] && covered[a.tags[1]] {
			amb = append(amb, i)
		}
	}

	rng := newRand(seed)
	c := newCity(p)
	out := make([]classify.Example, 0, n)
	for i := range n {
		t := ts[i%len(ts)]
		if len(amb) > 0 && chance(rng, ambiguousShare) {
			a := ambiguous[pick(rng, amb)]
			label := pick(rng, a.tags)
			s := c.scene(rng, topicFor(label).places)
			out = append(out, classify.Example{Text: s.fill(a.text), Label: label})
			continue
		}

		s := c.scene(rng, t.places)
		if s.officer != nil && chance(rng, 0.3) {
			s.officer = nil
		}
		out = append(out, classify.Example{Text: s.fill(pick(rng, t.train)), Label: t.tag})
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// kindAmbiguous are kind frames that read as either of two kinds.
var kindAmbiguous = []struct {
	text  string
	kinds []string
}{
	{"{subject}问题很严重，建议尽快整改", []string{"投诉", "建议"}},
	{"请问{subject}为什么一直没人管", []string{"咨询", "投诉"}},
	{"{subject}，希望你们帮忙想想办法", []string{"求助", "建议"}},
	{"{subject}，不知道该找谁，请帮忙", []string{"求助", "咨询"}},
}

// KindExamples returns n short messages labelled for the "kind" head with the
// kinds of p (投诉, 建议, 求助, 咨询, 表扬 when p lists none). Each frames a
// subject from one of the profile's topics in the words of its kind. The kinds
// take turns; about 8 % of the texts read as either of two kinds and carry
// one of them. Kinds without templates are left out.
func KindExamples(p *profile.Profile, n int, seed int64) []classify.Example {
	kinds := p.Kinds
	if len(kinds) == 0 {
		for _, f := range kindFramings {
			kinds = append(kinds, f.kind)
		}
	}
	var frames []*framing
	for _, k := range kinds {
		if f := framingFor(k); f != nil {
			frames = append(frames, f)
		}
	}
	if n < 1 || len(frames) == 0 {
		return nil
	}

	ts := problemTopics(p)
	rng := newRand(seed)
	c := newCity(p)
	out := make([]classify.Example, 0, n)
	for i := range n {
		f := frames[i%len(frames)]
		t := pick(rng, ts)
		s := c.scene(rng, t.places)
		subject := pick(rng, t.subjects)
		text, label := pick(rng, f.train), f.kind
		if chance(rng, ambiguousShare) {
			a := pick(rng, kindAmbiguous)
			if slices.Contains(kinds, a.kinds[0]) && slices.Contains(kinds, a.kinds[1]) {
				text, label = a.text, pick(rng, a.kinds)
			}
		}

		if label == "表扬" {
			s = c.scene(rng, placeOfficer)
			subject = strings.ReplaceAll(pick(rng, praiseSubjects), "{topic}", pick(rng, t.subjects))
		}
		text = strings.ReplaceAll(text, "{subject}", subject)
		out = append(out, classify.Example{Text: s.fill(text), Label: label})
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// framingFor returns the framing of a kind, or nil when there is none.
func framingFor(kind string) *framing {
	for i := range kindFramings {
		if kindFramings[i].kind == kind {
			return &kindFramings[i]
		}
	}
	return nil
}

// problemTopics returns the covered topics that describe a problem, leaving
// out praise and conduct, whose subjects are people. When p covers none, it
// returns all such topics, so that kinds can be framed for any profile.
func problemTopics(p *profile.Profile) []*topic {
	var out []*topic
	for _, t := range coveredTopics(p) {
		if t.places != placeOfficer {
			out = append(out, t)
		}
	}
	if len(out) > 0 {
		return out
	}
	for i := range topics {
		if topics[i].places != placeOfficer {
			out = append(out, &topics[i])
		}
	}
	return out
}
