#!/usr/bin/env bash
# Regenerates the committed seed corpora under tests/fuzz/corpus/ from the golden vectors
# (tests/unit/json/data/pdus.txt holds them one per line, plus the JSON fallback cases) and the
# receipt samples (tests/data/text/receipts.json). CI never runs this: it uses the committed
# files. Needs bash, python3 and, for the JSON corpus, an aiosmpp-pdu binary:
#
#   tests/fuzz/make_corpus.sh [path/to/aiosmpp-pdu]
#
# Each target's trailing configuration octets (read by FuzzedDataProvider from the end of the
# input) are appended as the target's header comment describes.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pdu_tool=${1:-}
corpus=$here/corpus

python3 - "$root" "$corpus" <<'PY'
import json, os, re, struct, sys

root, corpus = sys.argv[1], sys.argv[2]

def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48]

def reset(target):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    return d

def write(d, name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

pdus = []
with open(os.path.join(root, "tests/unit/json/data/pdus.txt"), encoding="utf-8") as f:
    for line in f:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        hexpart, _, desc = line.partition(" ")
        pdus.append((bytes.fromhex(hexpart), desc))

def pdu(name):
    return next(b for b, d in pdus if d.startswith(name))

def header(length, command_id, status, seq):
    return struct.pack(">IIII", length, command_id, status, seq)

# pdu_decode: every vector as it is.
d = reset("pdu_decode")
for i, (b, desc) in enumerate(pdus):
    write(d, f"{i:02d}-{slug(desc)}", b)

# framer: stream + chunking seed (4) + read_buffer_size selector (2) + max_pdu_size selector (2).
d = reset("framer")
tail_default = bytes.fromhex("9e3779b9") + bytes.fromhex("0010") + bytes.fromhex("8000")
tail_small = bytes.fromhex("12345678") + bytes.fromhex("0003") + bytes.fromhex("0040")
stream = b"".join(b for b, _ in pdus)
write(d, "all-vectors-default-limit", stream + tail_default)
write(d, "all-vectors-small-limit", stream + tail_small)
for i, (b, desc) in enumerate(pdus[:12]):
    write(d, f"{i:02d}-{slug(desc)}", b + b + tail_default)
write(d, "length-below-header", pdu("enquire_link") + header(15, 0x15, 0, 1) + tail_default)
write(d, "length-above-limit", pdu("enquire_link") + header(0x7FFFFFFF, 4, 0, 77) + tail_small)
write(d, "partial-tail", stream[:-5] + tail_small)

# text_decode: payload + fill + single shift id + locking id + selector.
d = reset("text_decode")
payloads = {
    "ascii": b"Hello, World! 123",
    "gsm-escapes": bytes([0x1B, 0x65, 0x1B, 0x14, 0x1B, 0x28, 0x00, 0x01, 0x02, 0x1B, 0x1B, 0x1B]),
    "gsm-all-septets": bytes(range(0x80)),
    "gsm-packed-hello": bytes.fromhex("e8329bfd06"),
    "gsm-packed-8-at": bytes.fromhex("41c1e030180c06"),
    "ucs2": "Hi €😀 ü".encode("utf-16-be"),
    "ucs2-lone-surrogate": bytes.fromhex("d83d0041"),
    "latin1": "façade déjà vu".encode("latin-1"),
    "utf8-mixed": "Ça coûte 5€ — ΩΣ @£$¥".encode("utf-8"),
    "utf8-turkish": "Şişli'de ığdır ÇĞİÖŞÜ".encode("utf-8"),
    "utf8-hindi": "नमस्ते दुनिया".encode("utf-8"),
    "utf8-invalid": bytes.fromhex("41c0afe080"),
}
# The iconv codings (selectors 6-11: data_coding 5, 6, 7, 9, 13, 14), in their own octets and as
# UTF-8 text, and by data_coding (the first octet) for selectors 12-15.
iconv_payloads = {
    "iso2022jp": "こんにちは、世界！ABC".encode("iso2022_jp"),
    "iso2022jp-roman": b"\x1b(J\\~\x1b$B0!\x1b(B",
    "shift-jis": "日本語 C:\\temp ~ ｱｲｳ".encode("shift_jis"),
    "euc-jp-x0212": "丂 abc 日本 ｱ".encode("euc_jp"),
    "euc-kr-annex3": "안녕하세요 똠방각하 햏".encode("euc_kr"),
    "cyrillic": "Привет, мир! №".encode("iso8859_5"),
    "hebrew": "שלום עולם".encode("iso8859_8"),
    "utf8-japanese": "日本語のテキスト、カタカナ ｱｲｳ ¥‾".encode("utf-8"),
    "utf8-korean": "똠방각하 한국어 ㅤㄱㅏ".encode("utf-8"),
    "utf8-russian-hebrew": "Привет שלום".encode("utf-8"),
}
for name, payload in payloads.items():
    for selector in list(range(6)) + list(range(12, 16)):
        for mode, tables in ((0, (0, 0)), (0x40, (1, 1)), (0x80, (6, 2))):
            write(d, f"{name}-{selector}-{mode:02x}-{tables[0]}-{tables[1]}",
                  payload + bytes([3, tables[1], tables[0], selector | mode]))
for name, payload in list(payloads.items())[:4] + list(iconv_payloads.items()):
    for selector in range(6, 12):
        for mode in (0, 0x40, 0x80):
            write(d, f"{name}-{selector}-{mode:02x}", payload + bytes([3, 0, 0, selector | mode]))
for dc, name in ((5, "iso2022jp"), (6, "cyrillic"), (7, "hebrew"), (9, "shift-jis"),
                 (10, "iso2022jp"), (13, "euc-jp-x0212"), (14, "euc-kr-annex3")):
    write(d, f"dc-{dc:02d}-{name}", bytes([dc]) + iconv_payloads[name] + bytes([3, 0, 0, 12]))

# receipt: TLV id + text + text_length + TLV id length + message_state + flags.
d = reset("receipt")
with open(os.path.join(root, "tests/data/text/receipts.json"), encoding="utf-8") as f:
    receipts = json.load(f)
for i, r in enumerate(receipts):
    text = r["text"].encode("utf-8")
    write(d, f"{i:02d}-text", text + bytes([20, 0, 0, 0x00]))
    write(d, f"{i:02d}-tlvs-seconds", b"38601fa" + text + bytes([20, 7, 2, 0x07]))
    write(d, f"{i:02d}-padded-Text", text + bytes([20, 0, 0, 0x18]))
    write(d, f"{i:02d}-intermediate", text + bytes([20, 0, 1, 0x22]))
for name, t in (("time-absolute", "261126120000004+"), ("time-relative", "000001020304000R"),
                ("time-negative", "991231235959948-"), ("date-14", "20261126120000")):
    write(d, name, t.encode() + bytes([20, 0, 0, 0]))
for name, b in (("network-error-gsm", bytes([3, 0, 27])), ("network-error-ascii", b"034")):
    write(d, name, b + bytes([20, 0, 0, 0]))

# udh: user data + flags (bit 0 UDHI, bit 1 strict) + data_coding (taken first, from the end).
d = reset("udh")
udh_cases = {
    "concat8-gsm": (bytes.fromhex("050003a70201") + b"Hello", 0x01, 0x00),
    "concat16-ucs2": (bytes.fromhex("060804abcd0302") + "Hi".encode("utf-16-be"), 0x01, 0x08),
    "national-turkish": (bytes.fromhex("0a0003010201240101250101") + b"abc", 0x01, 0x00),
    "packed-fill": (bytes.fromhex("050003010101") + bytes.fromhex("d0e5bc0c"), 0x01, 0xF0),
    "no-udh-latin1": ("déjà".encode("latin-1"), 0x00, 0x03),
    "udhl-past-end": (bytes.fromhex("0a0003"), 0x01, 0x00),
    "binary": (bytes.fromhex("0b0504158200000003010201cafe"), 0x01, 0x04),
}
for name, (ud, flags, dc) in udh_cases.items():
    write(d, name, ud + bytes([flags, dc]))
    write(d, name + "-strict", ud + bytes([flags | 2, dc]))
write(d, "reassembly-parts", bytes([1, 0, 0, 2, 1, 5, 0, 0, 2, 2, 5, 0, 1, 1, 1, 0, 3, 2, 2, 3]))

# smsc_session: whole conversations an ESME could send.
d = reset("smsc_session")
def with_seq(b, seq):
    return b[:12] + struct.pack(">I", seq) + b[16:]
bind_trx = pdu("bind_transceiver")
bind_rx = pdu("bind_receiver")
submit = pdu("submit_sm (reference")
enquire = pdu("enquire_link")
unbind = pdu("unbind")
deliver_resp = pdu("deliver_sm_resp")
write(d, "bind-submit-unbind", bind_trx + with_seq(submit, 2) + with_seq(submit, 3) +
      with_seq(enquire, 4) + with_seq(unbind, 5))
write(d, "submit-before-bind", submit + enquire)
write(d, "bind-rx-answer-deliver", bind_rx + with_seq(deliver_resp, 1) +
      with_seq(pdu("enquire_link_resp"), 3) + with_seq(unbind, 9))
write(d, "bind-twice", bind_trx + with_seq(bind_trx, 2))
write(d, "garbage-length", bind_trx + header(8, 4, 0, 3))
write(d, "huge-length", bind_trx + header(0x10000000, 4, 0, 3) + b"x" * 16)
write(d, "unknown-command", bind_trx + header(16, 0x77, 0, 3))
requests = [b for b, desc in pdus if not (struct.unpack(">I", b[4:8])[0] & 0x80000000)
            and not desc.startswith(("bind", "outbind", "unbind"))]
write(d, "bind-every-request", bind_trx + b"".join(with_seq(b, 10 + i) for i, b in enumerate(requests)))
for i, (b, desc) in enumerate(pdus):
    write(d, f"{i:02d}-after-bind-{slug(desc)}", bind_trx + with_seq(b, 100 + i))
# SMPP 5.0 (the target's simulator speaks 5.0 to a 0x50 bind): the golden 5.0 PDUs after a 5.0
# bind, and the broadcast operations in a row, also from a 3.4 bind (generic_nack RINVCMDID).
golden50 = []
with open(os.path.join(root, "tests/data/pdu/golden-5.0.txt"), encoding="utf-8") as f:
    name, octets = None, ""
    for line in list(f) + ["[end]"]:
        line = line.split("#", 1)[0].strip()
        if line.startswith("["):
            if name:
                golden50.append((bytes.fromhex(octets), name))
            name, octets = line[1:line.index("]")], ""
        elif line:
            octets += line.replace(" ", "")
def bind_as(version):
    body = b"a\0pw\0\0" + bytes([version, 0, 0]) + b"\0"
    return header(16 + len(body), 9, 0, 1) + body
def golden(prefix):
    return next(b for b, n in golden50 if n.startswith(prefix))
broadcast_ops = (golden("broadcast_sm with") + with_seq(golden("query_broadcast_sm with"), 3) +
                 with_seq(golden("cancel_broadcast_sm with"), 4))
for version in (0x50, 0x34):
    write(d, f"v{version:x}-broadcast-query-cancel",
          bind_as(version) + with_seq(broadcast_ops, 2) + with_seq(broadcast_ops, 5) +
          with_seq(unbind, 9))
for i, (b, name) in enumerate(golden50):
    write(d, f"v50-{i:02d}-after-bind-{slug(name)}", bind_as(0x50) + with_seq(b, 200 + i))
# Programs (0xA5 first; the operations are listed in smsc_session_fuzz.cpp): conversations with the
# simulator's receipts and MO flowing back.
BIND, SUBMIT, DATA, ANSWER, LINK, QUERY, PAUSE, READ, RAW, SPLIT, UNBIND = 0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11
TRX_A, RX_A, TX_B, WRONG = 9, 6, 1, 0x19  # system_id a%3, kind (a>>2)%3, wrong password a&0x10
RECEIPT = 0x01 | (5 << 3)  # registered_delivery 1, a five-character text
def program(*ops):
    return bytes([0xA5]) + bytes(ops)
write(d, "program-trx-receipts", program(
    BIND, TRX_A, *[SUBMIT, RECEIPT] * 6, PAUSE, 20, ANSWER, 0, *[SUBMIT, RECEIPT] * 4, PAUSE, 30,
    ANSWER, 2, QUERY, 1, PAUSE, 30, ANSWER, 0, UNBIND))
write(d, "program-rx-mo", program(
    BIND, RX_A, PAUSE, 31, ANSWER, 0, PAUSE, 31, ANSWER, 3, READ, PAUSE, 31, READ, ANSWER, 0, LINK,
    UNBIND))
write(d, "program-tx-then-receipts-wait", program(
    BIND, TX_B, *[SUBMIT, RECEIPT] * 3, DATA, 0x05, DATA, 0x01, PAUSE, 20))
write(d, "program-wrong-passwords", program(BIND, WRONG, BIND, WRONG, BIND, WRONG, BIND, TRX_A))
write(d, "program-stall", program(
    BIND, TRX_A, READ, *[SUBMIT, RECEIPT] * 40, LINK, PAUSE, 31, READ, ANSWER, 0, PAUSE, 10,
    ANSWER, 0, UNBIND))
write(d, "program-split-and-garbage", program(
    BIND, TRX_A, SPLIT, RECEIPT, 7, RAW, 5, 0, 0, 0, 0x10, 0x80, SUBMIT, RECEIPT))
PY

# json_decode: what aiosmpp-pdu decode writes for every vector, with and without its notes.
d=$corpus/json_decode
mkdir -p "$d"
if [[ -n "$pdu_tool" ]]; then
  rm -f "$d"/*
  i=0
  grep -v '^#' "$root/tests/unit/json/data/pdus.txt" | while read -r hex desc; do
    [[ -z "$hex" ]] && continue
    name=$(printf '%02d' "$i")
    "$pdu_tool" decode --compact --no-notes "$hex" > "$d/$name-plain.json"
    "$pdu_tool" decode "$hex" > "$d/$name-notes.json"
    i=$((i + 1))
  done
else
  echo "no aiosmpp-pdu given: corpus/json_decode keeps its decoded vectors" >&2
fi
# The documented example (json.hpp): text, tracking, a 5.0 TLV by tag, a vendor TLV.
cat >"$d/schema-example.json" <<'JSON'
{"type": "submit_sm", "schema": 1, "command_status": "ESME_ROK", "sequence_number": 7,
 "service_type": "", "source": {"number": "ACME", "ton": "alphanumeric", "npi": "unknown"},
 "destination": {"number": "447700900123", "ton": "international", "npi": "isdn"},
 "esm_class": "store_and_forward_mode|udhi", "protocol_id": 0, "priority_flag": 0,
 "schedule_delivery_time": "", "validity_period": "261126120000000+",
 "registered_delivery": "receipt_always", "replace_if_present_flag": 0, "data_coding": "ucs2",
 "sm_default_msg_id": 0, "short_message": "050003a70201004800690021",
 "tlvs": [{"name": "user_message_reference", "value": 513},
          {"name": "alert_on_message_delivery", "tag": "0x130c", "hex": "01"},
          {"tag": "0x1403", "hex": "cafe"}],
 "tracking": {"log_id": "order-42", "extra_data": "{\"customer\":17}"},
 "text": {"utf8": "Hi!", "encoding": "automatic", "custom_data_coding": 0,
          "long_message": "udh8", "errors": "strict"}}
JSON
printf '%s' '{"type":"submit_sm_resp","command_status":"0x58","sequence_number":9,"has_body":false}' \
  >"$d/response-by-number.json"
printf '%s' '{"type":"deliver_sm","source":{"number":{"hex":"ff00"}},"short_message":" 41 42 "}' \
  >"$d/hex-string.json"
