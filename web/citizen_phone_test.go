package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"minyi/store"
	"minyi/store/storetest"
	"minyi/web"
)

// TestCitizenFormLocalPhone submits a local number without area code: the
// form accepts it and the body shows it masked. TestAPIItemPhone checks its
// hint.
func TestCitizenFormLocalPhone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newCitizenEnv(t, db, web.CitizenOptions{})
		c := phoneClient(t)
		formURL := e.srv.URL + "/c/" + e.code.ID + "/form"
		_, page, _ := citizenGet(t, c, formURL+"?kind=complaint")
		key := citizenFormKey(t, page)

		status, page := citizenPost(t, c, formURL, complaintFields(key, "楼下噪音扰民", "12"))
		if status != http.StatusUnprocessableEntity {
			t.Fatalf("phone 12: status %d, want 422", status)
		}
		if !strings.Contains(page, "电话号码格式不对") {
			t.Errorf("phone 12: page lacks the phone error:\n%.1500s", page)
		}

		status, page = citizenPost(t, c, formURL, complaintFields(key, "楼下噪音扰民，我的电话2345678，请联系", "2345678"))
		if status != http.StatusOK {
			t.Fatalf("local phone: status %d\n%.1500s", status, page)
		}
		d, err := e.svc.ByTrackingCode(ctx, receiptCode(t, page))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(d.Ticket.Body, "2345678") {
			t.Errorf("body shows the local number: %q", d.Ticket.Body)
		}
		if !strings.Contains(d.Ticket.Body, "我的电话[电话]") {
			t.Errorf("body %q, want the number as [电话]", d.Ticket.Body)
		}
	})
}

// TestAPIItemPhone checks that POST /api/items validates the phone field as
// the citizen form does and masks cued local numbers in the body.
func TestAPIItemPhone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		for _, phone := range []string{"12", "12345", "139abcd1234", "0131-88880000"} {
			code, body := e.do(t, "centre1", "POST", "/api/items", map[string]any{"channel": "12345", "body": "内容", "phone": phone})
			if code != http.StatusBadRequest || errCode(body) != "invalid_input" {
				t.Errorf("phone %q: %d %v, want 400 invalid_input", phone, code, body)
			}
			if msg := errMessage(body); !strings.Contains(msg, "phone") || strings.Contains(msg, phone) {
				t.Errorf("phone %q: message %q should name the field and leave the value out", phone, msg)
			}
		}

		// The hint of a local number shows only its last two digits.
		for _, tc := range []struct{ body, digits, hint string }{
			{"电话87654321请回电", "87654321", "******21"},
			{"座机：2345678", "2345678", "*****78"},
			{"联系电话 8765 4321", "8765 4321", "******21"},
		} {
			code, created := e.do(t, "centre1", "POST", "/api/items", map[string]any{"channel": "12345", "body": tc.body, "phone": tc.digits})
			if code != http.StatusCreated {
				t.Fatalf("body %q: %d %v", tc.body, code, created)
			}
			id := itoa(int64(created["id"].(float64)))
			code, got := e.do(t, "centre1", "GET", "/api/tickets/"+id, nil)
			if code != http.StatusOK {
				t.Fatalf("read %s: %d", id, code)
			}
			raw, _ := json.Marshal(got)
			if strings.Contains(string(raw), tc.digits) {
				t.Errorf("body %q: ticket JSON shows the number: %s", tc.body, raw)
			}
			if !strings.Contains(string(raw), "[电话]") {
				t.Errorf("body %q: ticket JSON lacks [电话]: %s", tc.body, raw)
			}
			code, got = e.do(t, "centre1", "POST", "/api/tickets/"+id+"/phone-hint", map[string]any{"purpose": "repeat_caller"})
			if code != http.StatusOK || got["phone_hint"] != tc.hint {
				t.Errorf("body %q: phone hint %d %v, want %s", tc.body, code, got, tc.hint)
			}
		}

		code, uncued := e.do(t, "centre1", "POST", "/api/items", map[string]any{"channel": "12345", "body": "订单号87654321，金额2345678元，20240603下单"})
		if code != http.StatusCreated {
			t.Fatalf("uncued numbers: %d %v", code, uncued)
		}
		code, got := e.do(t, "centre1", "GET", "/api/tickets/"+itoa(int64(uncued["id"].(float64))), nil)
		if code != http.StatusOK || got["body"] != "订单号87654321，金额2345678元，20240603下单" {
			t.Errorf("uncued numbers: %d body %v, want them kept", code, got["body"])
		}
	})
}
