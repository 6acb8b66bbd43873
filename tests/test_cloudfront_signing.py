"""CloudFront signed URLs and cookies (sandbox/cloudfront_signing.py), without the emulator: URLs
printed by `aws cloudfront sign` (AWS CLI v1, the same code path learners use) verify; custom
policies with wildcards, time windows and IP ranges; cookies; every refusal has CloudFront's code."""

import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox import cloudfront_signing as cfs

HOST = "d111111abcdef8.cloudfront.net"
URL = f"https://{HOST}/hane.jpg"
KEY_ID = "K2JCJMDEHXQW5F"
NOW = 1_880_000_000  # 2029-07, before the 2030 expiries below


@pytest.fixture(scope="module")
def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def other_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key) -> str:
    return cfs.public_pem(key)


def verify(url: str, key, *, now=NOW, ip="127.0.0.1", cookies=None, request_url=None, keys=None):
    """Verify `url` as the edge does for a request of request_url (default: url without signature)."""
    parts = urlsplit(url)
    query, params = cfs.split_query(parts.query)
    target = request_url or f"{parts.scheme}://{parts.netloc}{parts.path}" + (f"?{query}" if query else "")
    known = keys if keys is not None else {KEY_ID: _pem(key)}
    return cfs.verify(cfs.credentials(params, cookies or {}), [target], ip, now, known.get)


def refused(url, key, **kwargs) -> cfs.Refused:
    with pytest.raises(cfs.Refused) as err:
        verify(url, key, **kwargs)
    return err.value


def aws_sign(tmp_path: Path, key, *args: str, key_id: str = KEY_ID) -> str:
    """`aws cloudfront sign` of the AWS CLI v1 in .venv, with a PKCS#1 key file as learners make it."""
    pem = tmp_path / "private_key_presigned_url.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                      serialization.NoEncryption()))
    aws = Path(sys.executable).parent / "aws"
    out = subprocess.run([str(aws), "cloudfront", "sign", "--key-pair-id", key_id,
                          "--private-key", f"file://{pem}", *args], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_base64_alphabet_round_trip():
    data = bytes(range(256))
    encoded = cfs.cf_b64encode(data)
    assert not set(encoded) & set("+=/")
    assert cfs.cf_b64decode(encoded) == data
    with pytest.raises(ValueError):
        cfs.cf_b64decode("not base64!")


def test_canned_policy_is_cloudfronts_exact_text():
    # Developer Guide, "Create a signed URL using a canned policy": this order, no white space.
    assert cfs.canned_policy("https://d111111abcdef8.cloudfront.net/horizon.jpg?size=large&license=yes", 1357034400) == (
        '{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/horizon.jpg?size=large&license=yes",'
        '"Condition":{"DateLessThan":{"AWS:EpochTime":1357034400}}}]}')


def test_aws_cli_canned_url_verifies(tmp_path, key):
    url = aws_sign(tmp_path, key, "--url", URL, "--date-less-than", "2030-01-01T00:00:00+09:00")
    assert "Expires=1893423600&Signature=" in url and url.endswith(f"&Key-Pair-Id={KEY_ID}")
    assert verify(url, key, now=NOW) == KEY_ID
    assert refused(url, key, now=1893423601).code == "AccessDenied"  # a second after the expiry


def test_aws_cli_custom_policy_url_with_ip_and_start_verifies(tmp_path, key):
    url = aws_sign(tmp_path, key, "--url", URL, "--date-less-than", "2030-01-01",
                   "--date-greater-than", "2029-01-01", "--ip-address", "192.0.2.0/24")
    assert "Policy=" in url and "Expires=" not in url
    assert verify(url, key, now=1880000000, ip="192.0.2.77") == KEY_ID
    wrong_ip = refused(url, key, now=1880000000, ip="198.51.100.1")
    assert (wrong_ip.code, wrong_ip.message) == ("AccessDenied", "Access denied")
    assert "outside 192.0.2.0/24" in wrong_ip.reason
    assert "not valid before" in refused(url, key, now=1840000000, ip="192.0.2.77").reason


def test_query_string_is_part_of_a_canned_signature(key):
    url = cfs.canned_url(URL + "?size=large", KEY_ID, key, NOW + 60)
    assert verify(url, key) == KEY_ID
    assert refused(url, key, request_url=URL + "?size=small").code == "AccessDenied"
    assert refused(url, key, request_url=URL).code == "AccessDenied"


@pytest.mark.parametrize("resource, request_url, ok", [
    (f"https://{HOST}/images/*", f"https://{HOST}/images/2022/hane.jpg", True),
    (f"https://{HOST}/images/*", f"https://{HOST}/videos/hane.mp4", False),
    (f"https://{HOST}/images/hane?.jpg", f"https://{HOST}/images/hane2.jpg", True),
    (f"https://{HOST}/images/hane?.jpg", f"https://{HOST}/images/hane22.jpg", False),
    ("https://*.cloudfront.net/*", f"https://{HOST}/a/b.jpg?x=1", True),
    (f"https://{HOST}/hane.jpg*", f"https://{HOST}/hane.jpg?size=large", True),
    (f"http*://{HOST}/hane.jpg", f"http://{HOST}/hane.jpg", True),
    (f"https://{HOST}/HANE.jpg", f"https://{HOST}/hane.jpg", False),  # case-sensitive
    (None, f"https://{HOST}/anything.jpg", True),  # no Resource: every file (signed URLs only)
])
def test_custom_policy_resource_wildcards(key, resource, request_url, ok):
    policy = cfs.custom_policy(resource, NOW + 60)
    url = cfs.custom_url(request_url, KEY_ID, key, policy)
    if ok:
        assert verify(url, key, request_url=request_url) == KEY_ID
    else:
        assert refused(url, key, request_url=request_url).code == "AccessDenied"


@pytest.mark.parametrize("source_ip, viewer, ok", [
    ("203.0.113.0/24", "203.0.113.200", True),
    ("203.0.113.0/24", "203.0.114.1", False),
    ("203.0.113.9", "203.0.113.9", True),  # a single address means /32
    ("203.0.113.9", "203.0.113.10", False),
    ("2001:db8::/32", "2001:db8:1::5", True),
    ("2001:db8::/32", "2001:db9::5", False),
])
def test_custom_policy_ip_ranges(key, source_ip, viewer, ok):
    url = cfs.custom_url(URL, KEY_ID, key, cfs.custom_policy(URL, NOW + 60, source_ip=source_ip))
    if ok:
        assert verify(url, key, ip=viewer) == KEY_ID
    else:
        assert refused(url, key, ip=viewer).code == "AccessDenied"


def test_signed_cookies_canned_and_custom(key):
    canned = cfs.signed_cookies(KEY_ID, key, resource=URL, expires=NOW + 60)
    assert set(canned) == {"CloudFront-Expires", "CloudFront-Signature", "CloudFront-Key-Pair-Id"}
    assert verify(URL, key, cookies=canned) == KEY_ID
    assert refused(URL, key, cookies=canned, now=NOW + 61).code == "AccessDenied"

    custom = cfs.signed_cookies(KEY_ID, key, policy=cfs.custom_policy(f"https://{HOST}/*", NOW + 60))
    assert set(custom) == {"CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"}
    assert verify(f"https://{HOST}/images/x.jpg", key, cookies=custom) == KEY_ID
    # URL parameters win over cookies: a bad signed URL is not rescued by good cookies.
    bad_url = URL + f"?Expires={NOW + 60}&Signature=AAAA&Key-Pair-Id={KEY_ID}"
    assert refused(bad_url, key, cookies=custom).code == "AccessDenied"


def test_each_refusal_has_cloudfronts_code(key, other_key):
    good = cfs.canned_url(URL, KEY_ID, key, NOW + 60)
    base, _, _ = good.partition("?")
    expires, signature = good.split("Expires=")[1].split("&Signature=")
    signature = signature.split("&")[0]

    assert (refused(URL, key).code, refused(URL, key).message) == (
        "MissingKey", "Missing Key-Pair-Id query parameter or cookie value")
    assert refused(f"{base}?Expires={expires}&Signature={signature}", key).code == "MissingKey"
    unknown = refused(good.replace(KEY_ID, "KUNKNOWNKEY123"), key)
    assert (unknown.code, unknown.message) == ("InvalidKey", "Unknown Key")
    assert refused(f"{base}?Expires={expires}&Signature=***&Key-Pair-Id={KEY_ID}", key).code == "MalformedSignature"
    assert refused(f"{base}?Signature={signature}&Key-Pair-Id={KEY_ID}", key).code == "MalformedPolicy"
    assert refused(f"{base}?Policy=bm90IGpzb24_&Signature={signature}&Key-Pair-Id={KEY_ID}", key).code == "MalformedPolicy"
    tampered = good.replace(f"Expires={expires}", f"Expires={int(expires) + 3600}")
    assert refused(tampered, key).code == "AccessDenied"
    # Signed by a key other than the registered one.
    assert refused(cfs.canned_url(URL, KEY_ID, other_key, NOW + 60), key).code == "AccessDenied"


@pytest.mark.parametrize("policy", [
    '{"Statement":[]}',
    '{"Statement":[{"Resource":"x","Condition":{}}]}',  # DateLessThan is required
    '{"Statement":[{"Resource":"x","Condition":{"DateLessThan":{"AWS:EpochTime":"soon"}}}]}',
    '{"Statement":[{"Resource":"x","Condition":{"DateLessThan":{"AWS:EpochTime":1},"IpAddress":{"AWS:SourceIp":"nope"}}}]}',
    '{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":1}}},{"Condition":{"DateLessThan":{"AWS:EpochTime":1}}}]}',
])
def test_malformed_custom_policies(key, policy):
    url = cfs.custom_url(URL, KEY_ID, key, policy)
    assert refused(url, key).code == "MalformedPolicy"


def test_pkcs8_private_keys_load_too(key):
    pkcs8 = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
    assert pkcs8.startswith(b"-----BEGIN PRIVATE KEY-----")  # OpenSSL 3's default for genrsa
    loaded = cfs.load_private_key(pkcs8)
    assert loaded.public_key().public_numbers() == key.public_key().public_numbers()
    with pytest.raises(ValueError):
        cfs.load_private_key(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")

