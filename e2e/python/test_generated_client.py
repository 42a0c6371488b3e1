"""A client generated from openapi.json, used as a merchant's developer would.

Run by scripts/test in the test virtualenv (openapi-python-client). Generates a Python
client from the committed document into a temporary folder, then against the real
server (AFTERCARE_SERVER_BIN) files a case as the shopper, reads it, and drives it
through the merchant and platform APIs with the generated functions and models — whose
enums and required fields refuse anything the document does not allow, and which raise
on any status the document does not list. A stale write is refused with the current
case in the error; If-Match and Idempotency-Key are the generated parameters.
"""
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
ORDER = "20261128-0042"


def generate():
    """Generates the client package `aftercare_api` and imports it."""
    folder = tempfile.mkdtemp(prefix="aftercare-client-")
    package = os.path.join(folder, "aftercare_api")
    generator = os.path.join(os.path.dirname(sys.executable), "openapi-python-client")
    subprocess.run(
        [generator, "generate", "--path", os.path.join(ROOT, "openapi.json"), "--output-path", package, "--meta", "none"],
        check=True, capture_output=True, text=True,
    )
    sys.path.insert(0, folder)
    return folder, importlib.import_module("aftercare_api")


class Backend:
    def __init__(self):
        self.binary = os.environ["AFTERCARE_SERVER_BIN"]
        self.data_dir = tempfile.mkdtemp(prefix="aftercare-client-data-")
        self.process = subprocess.Popen(
            [self.binary, "serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0",
             "--data-dir", self.data_dir, "--static-dir", os.path.join(self.data_dir, "none")],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        self.origin = self.process.stdout.readline().strip()

    def token(self, shopper):
        with urllib.request.urlopen(f"{self.origin}/demo/token?order={ORDER}&shopper={shopper}") as response:
            return json.load(response)["token"]

    def api_key(self, *owner):
        return subprocess.run([self.binary, "api-key", "--data-dir", self.data_dir, *owner],
                              check=True, capture_output=True, text=True).stdout.strip()

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.data_dir, ignore_errors=True)


class GeneratedClient(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder, cls.api = generate()
        cls.backend = Backend()

    @classmethod
    def tearDownClass(cls):
        cls.backend.close()
        shutil.rmtree(cls.folder, ignore_errors=True)

    def client(self, token):
        return self.api.AuthenticatedClient(base_url=self.backend.origin, token=token, raise_on_unexpected_status=True)

    def module(self, name):
        return importlib.import_module(f"aftercare_api.{name}")

    def endpoints(self, tag, *names):
        return [self.module(f"api.{tag}.{name}") for name in names]

    def test_file_read_and_drive_a_case_through_the_generated_client(self):
        models = self.module("models")
        create, list_, read, escalate, message = self.endpoints("cases", "create", "list_", "read", "escalate", "message")
        seller_read, refuse, reply, resolve = self.endpoints("merchant", "read", "refuse", "reply", "resolve")
        waiting_list, rule = self.endpoints("platform", "list_", "rule")
        shopper = self.client(self.backend.token("generated-client"))
        seller = self.client(self.backend.api_key("--merchant", "demo"))
        ruler = self.client(self.backend.api_key("--platform"))

        new = models.NewCase(
            order_id=ORDER, item_ids=["item-1"], problem_type=models.ProblemType.LOGISTICS,
            reason=models.Reason.DAMAGED_IN_TRANSIT, resolution=models.Resolution.RETURN_AND_REFUND,
            description="The box arrived crushed and the lid is bent.",
            contact=models.Contact(phone="138 0013 8000"),
        )
        key = str(uuid.uuid4())
        filed = create.sync_detailed(client=shopper, body=new, idempotency_key=key)
        self.assertEqual(filed.status_code, 201)
        case = filed.parsed
        self.assertIsInstance(case, models.Case)
        self.assertEqual(case.state, models.CaseState.AWAITING_SELLER)
        self.assertEqual(case.history[0].kind, models.EventKind.FILE)
        self.assertEqual([a.action for a in case.next_actions], [models.EventKind.WITHDRAW, models.EventKind.MESSAGE])
        self.assertEqual(filed.headers["etag"], f'"{case.version}"')

        # The same key and body: the first answer again.
        again = create.sync_detailed(client=shopper, body=new, idempotency_key=key)
        self.assertEqual(again.parsed.id, case.id)
        listed = list_.sync(client=shopper, order=ORDER)
        self.assertEqual([c.id for c in listed.cases], [case.id])

        # The seller sees its own next actions, and refuses at the version it read.
        detail = seller_read.sync(case.id, client=seller)
        self.assertIsInstance(detail, models.CaseDetail)
        offered = [a.action for a in detail.case.next_actions]
        self.assertEqual(offered, [models.EventKind.ACCEPT, models.EventKind.REFUSE, models.EventKind.COUNTER_OFFER,
                                   models.EventKind.MESSAGE])
        refusal = next(a for a in detail.case.next_actions if a.action == models.EventKind.REFUSE)
        self.assertEqual(refusal.requires, [models.ActionInput.REFUSAL_REASON, models.ActionInput.MESSAGE])
        refused = refuse.sync(
            case.id, client=seller,
            body=models.RefuseRequest(reason="used_or_damaged", message="The photos show wear from use."),
            if_match=f'"{detail.case.version}"',
        )
        self.assertEqual(refused.state, models.CaseState.SELLER_REFUSED)

        # A write based on the old version changes nothing and says where the case is.
        stale = reply.sync_detailed(
            case.id, client=seller, body=models.MessageRequest(message="Hello"), if_match=f'"{detail.case.version}"',
        )
        self.assertEqual(stale.status_code, 409)
        self.assertEqual(stale.parsed.code, "version_mismatch")
        self.assertEqual(stale.parsed.case.version, refused.version)

        # The shopper asks the platform to step in; it rules for the shopper.
        seen = read.sync(case.id, client=shopper)
        self.assertEqual([a.action for a in seen.next_actions],
                         [models.EventKind.ESCALATE, models.EventKind.WITHDRAW, models.EventKind.MESSAGE])
        self.assertEqual(seen.history[1].refusal_reason.code, "used_or_damaged")
        seen = message.sync(
            case.id, client=shopper, body=models.NewMessage(message="It was like this in the box."),
            if_match=f'"{seen.version}"',
        )
        self.assertEqual(seen.history[-1].kind, models.EventKind.MESSAGE)
        escalated = escalate.sync(
            case.id, client=shopper, body=models.EscalateRequest(reason="The box was crushed on arrival."),
            if_match=f'"{seen.version}"', idempotency_key=str(uuid.uuid4()),
        )
        self.assertEqual(escalated.state, models.CaseState.ESCALATED)
        waiting = waiting_list.sync(client=ruler)
        self.assertIn(case.id, [c.id for c in waiting.cases])
        ruled = rule.sync(
            case.id, client=ruler, if_match=f'"{escalated.version}"',
            body=models.RulingRequest(in_favour_of=models.Actor.SHOPPER, message="Return and refund."),
        )
        self.assertEqual(ruled.state, models.CaseState.RULED, "open to appeal by the seller")
        self.assertEqual(ruled.ruling.in_favour_of, models.Actor.SHOPPER)
        self.assertEqual([e.kind for e in ruled.history],
                         [models.EventKind.FILE, models.EventKind.REFUSE, models.EventKind.MESSAGE,
                          models.EventKind.ESCALATE, models.EventKind.RULE_FOR_SHOPPER])

        # Errors are models too, with their parameters.
        short = escalate.sync_detailed(
            case.id, client=shopper, body=models.EscalateRequest(reason="no"), if_match=f'"{ruled.version}"',
        )
        self.assertEqual(short.status_code, 422)
        self.assertEqual((short.parsed.code, short.parsed.params.min_), ("too_short", 5))
        missing = resolve.sync_detailed(
            "no-such-case", client=seller, body=models.MessageRequest(message="x"), if_match='"1"',
        )
        self.assertEqual((missing.status_code, missing.parsed.code), (404, "case_not_found"))

    def test_the_models_refuse_what_the_document_does_not_allow(self):
        models = self.module("models")
        with self.assertRaises(ValueError):
            models.CaseState("AwaitingSeller")
        with self.assertRaises(KeyError):
            models.NextAction.from_dict({"action": "withdraw", "requires": []})


if __name__ == "__main__":
    unittest.main()
