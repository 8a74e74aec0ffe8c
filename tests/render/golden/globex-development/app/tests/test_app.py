"""Unit tests the buildspec runs before the revision may be deployed."""
import importlib.util
import unittest
from pathlib import Path

spec = importlib.util.spec_from_file_location("app", Path(__file__).resolve().parent.parent / "app" / "app.py")
app = importlib.util.module_from_spec(spec)
spec.loader.exec_module(app)


class AppTest(unittest.TestCase):
    def call(self, path):
        seen = {}
        body = b"".join(app.app({"PATH_INFO": path}, lambda status, headers: seen.update(status=status)))
        return seen["status"], body

    def test_health(self):
        self.assertEqual(self.call(app.HEALTH_PATH), ("200 OK", b"ok\n"))

    def test_home_names_the_version(self):
        status, body = self.call("/")
        self.assertEqual(status, "200 OK")
        self.assertIn(b"version", body)


if __name__ == "__main__":
    unittest.main()
