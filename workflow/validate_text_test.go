package workflow_test

import (
	"context"
	"errors"
	"testing"

	"minyi/store"
	"minyi/store/storetest"
	"minyi/workflow"
)

func TestSubmitRejectsTextWithoutWords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for name, sub := range map[string]workflow.Submission{
			"punctuation":           {Channel: "qr", Body: "？？？！！！。。。"},
			"ascii punctuation":     {Channel: "qr", Body: "...!!!???"},
			"emoji":                 {Channel: "qr", Body: "😡😡😡👮"},
			"emoji with selector":   {Channel: "qr", Body: "❤\uFE0F"},
			"symbols and spaces":    {Channel: "qr", Title: "【】", Body: "～～ ＠＃ ￥％"},
			"punctuation title too": {Channel: "qr", Title: "！！", Body: "😀"},
		} {
			if _, _, err := e.svc.Submit(context.Background(), sub); !errors.Is(err, workflow.ErrInvalid) {
				t.Errorf("%s: err = %v, want ErrInvalid", name, err)
			}
		}
		for name, sub := range map[string]workflow.Submission{
			"han with emoji":   {Channel: "qr", Body: "😡噪音"},
			"one digit":        {Channel: "qr", Body: "？？3"},
			"latin letter":     {Channel: "qr", Body: "!!!a"},
			"words in title":   {Channel: "qr", Title: "路灯坏了", Body: "！！！"},
			"full-width digit": {Channel: "qr", Body: "１号楼？"},
		} {
			if _, _, err := e.svc.Submit(context.Background(), sub); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
}

func TestHasWords(t *testing.T) {
	for s, want := range map[string]bool{"噪音": true, "a": true, "7": true, "①": true, "。，！？": false,
		"😀👍": false, "": false, " \u3000": false, "→★※": false} {
		if got := workflow.HasWords(s); got != want {
			t.Errorf("HasWords(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestValidatePhoneChineseNumerals(t *testing.T) {
	for _, phone := range []string{"一三八零零零零一一一一", "幺三八零零零零幺幺幺幺", "一三九〇〇〇〇幺一幺一", "幺三八 零零零零 幺幺幺幺"} {
		if err := workflow.ValidatePhone(phone); err != nil {
			t.Errorf("ValidatePhone(%q) = %v, want nil", phone, err)
		}
	}
	// 两 is not read as 2 in a phone number.
	if err := workflow.ValidatePhone("一三八零零零零两两两两"); !errors.Is(err, workflow.ErrInvalid) {
		t.Errorf("ValidatePhone with 两 = %v, want ErrInvalid", err)
	}
}
