"""sandbox/saml.py without the emulator: sign/verify round trips, every refusal of verify(), metadata,
the Role attribute, trust-policy context keys, and a cross-check with python3-saml (xmlsec) in both
directions."""

import base64
import copy
from datetime import datetime, timedelta, timezone

import pytest
from lxml import etree

from sandbox import saml

ISSUER = "urn:awslab:idp:123456789012"
ROLE = "arn:aws:iam::123456789012:role/saml-role"
PROVIDER = "arn:aws:iam::123456789012:saml-provider/sanvarie_test"
ATTRS = {saml.ATTR_ROLE: [f"{ROLE},{PROVIDER}"], saml.ATTR_SESSION_NAME: ["taro"]}


@pytest.fixture(scope="module")
def idp():
    return saml.new_signing_identity("test IdP")


@pytest.fixture(scope="module")
def metadata(idp):
    return saml.parse_metadata(saml.idp_metadata(ISSUER, idp.cert_pem, "http://127.0.0.1/sso"))


def _refused(response: str, metadata, now=None) -> saml.SamlRefusal:
    with pytest.raises(saml.SamlRefusal) as info:
        saml.verify(response, metadata, now=now)
    return info.value


@pytest.mark.parametrize("sign_assertion, sign_response", [(True, False), (False, True), (True, True)])
def test_round_trip(idp, metadata, sign_assertion, sign_response):
    xml = saml.build_response(idp, ISSUER, "_subject", ATTRS, sign_assertion=sign_assertion,
                              sign_response=sign_response)
    assertion = saml.verify(saml.encode(xml), metadata)
    assert assertion.issuer == ISSUER and assertion.name_id == "_subject"
    assert assertion.recipient == saml.AWS_SIGNIN and assertion.subject_type() == "persistent"
    assert assertion.values(saml.ATTR_SESSION_NAME) == ["taro"]
    assert saml.role_pairs(assertion.values(saml.ATTR_ROLE)) == [(ROLE, PROVIDER)]
    assert assertion.signed == ("Assertion" if sign_assertion else "Response")


def test_unsigned_response_is_refused(idp, metadata):
    xml = saml.build_response(idp, ISSUER, "_s", ATTRS, sign_assertion=False)
    assert _refused(saml.encode(xml), metadata).message == "Response signature invalid"


def test_another_key_is_refused(metadata):
    intruder = saml.new_signing_identity("intruder")
    refusal = _refused(saml.encode(saml.build_response(intruder, ISSUER, "_s", ATTRS)), metadata)
    assert (refusal.code, refusal.message, refusal.status) == ("InvalidIdentityToken", "Response signature invalid", 400)


def test_tampered_attribute_is_refused(idp, metadata):
    xml = saml.build_response(idp, ISSUER, "_s", ATTRS).replace(b">taro<", b">jiro<")
    assert _refused(saml.encode(xml), metadata).message == "Response signature invalid"


def test_signature_wrapping_reads_only_the_signed_assertion(idp, metadata):
    """An attacker adds an unsigned assertion naming another role: verify() never reads it."""
    root = etree.fromstring(saml.build_response(idp, ISSUER, "_s", ATTRS))
    signed = root.find("saml:Assertion", saml.NS)
    evil = copy.deepcopy(signed)
    evil.remove(evil.find("ds:Signature", saml.NS))
    for value in evil.iter(f"{{{saml.SAML_NS}}}AttributeValue"):
        value.text = "arn:aws:iam::123456789012:role/admin," + PROVIDER
    # Both orders: the evil assertion first (so a naive reader takes it) or the only one in the
    # response with the signed one hidden inside an extension element.
    root.insert(list(root).index(signed), evil)
    assert _refused(saml.encode(etree.tostring(root)), metadata).code == "InvalidIdentityToken"
    root.remove(signed)
    extensions = etree.SubElement(root, f"{{{saml.SAMLP_NS}}}Extensions")
    extensions.append(signed)
    refusal = _refused(saml.encode(etree.tostring(root)), metadata)
    assert refusal.message == "Response signature invalid"


def test_other_issuer_is_refused(idp):
    other = saml.parse_metadata(saml.idp_metadata("urn:someone:else", idp.cert_pem, "http://x/sso"))
    xml = saml.build_response(idp, ISSUER, "_s", ATTRS)
    assert _refused(saml.encode(xml), other).message == "Issuer not present in specified provider"


def test_time_window(idp, metadata):
    issued = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    response = saml.encode(saml.build_response(idp, ISSUER, "_s", ATTRS, now=issued))
    assert saml.verify(response, metadata, now=issued + timedelta(minutes=4)).name_id == "_s"
    expired = _refused(response, metadata, now=issued + timedelta(minutes=5))
    assert (expired.code, expired.message) == ("ExpiredTokenException", "Token must be redeemed within 5 minutes of issuance")
    early = _refused(response, metadata, now=issued - timedelta(minutes=2))
    assert early.code == "ExpiredTokenException" and "not valid" in early.message


def test_audience_and_recipient(idp, metadata):
    assert saml.verify(saml.encode(saml.build_response(idp, ISSUER, "_s", ATTRS, audience=saml.AWS_SIGNIN)), metadata)
    wrong_audience = saml.encode(saml.build_response(idp, ISSUER, "_s", ATTRS, audience="https://sp.example.com"))
    assert _refused(wrong_audience, metadata).message == "Response does not contain the required audience."
    wrong_recipient = saml.encode(saml.build_response(idp, ISSUER, "_s", ATTRS, recipient="https://sp.example.com/acs"))
    refusal = _refused(wrong_recipient, metadata)
    assert refusal.code == "InvalidIdentityToken" and "Recipient" in refusal.message
    regional = saml.encode(saml.build_response(idp, ISSUER, "_s", ATTRS,
                                               recipient="https://ap-northeast-1.signin.aws.amazon.com/saml"))
    assert saml.verify(regional, metadata).recipient.startswith("https://ap-northeast-1.")


@pytest.mark.parametrize("garbage", ["not base64!", base64.b64encode(b"<notxml").decode(),
                                     base64.b64encode(b"<a/>").decode()])
def test_garbage_is_refused(metadata, garbage):
    assert _refused(garbage, metadata).code == "InvalidIdentityToken"


def test_entities_are_not_expanded(idp, metadata):
    xml = saml.build_response(idp, ISSUER, "_s", ATTRS).replace(b"<?xml version='1.0' encoding='UTF-8'?>", b"")
    bomb = b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">]>' + xml
    assert _refused(saml.encode(bomb), metadata).code == "InvalidIdentityToken"


def test_metadata_parsing(idp):
    parsed = saml.parse_metadata(saml.idp_metadata(ISSUER, idp.cert_pem, "http://x/sso"))
    assert parsed.entity_id == ISSUER and parsed.certs == (idp.cert_b64,)
    for bad in ("<x/>", "not xml", saml.idp_metadata(ISSUER, idp.cert_pem, "http://x").replace(
            "<ds:X509Certificate>", "<ds:X509Certificate>AAAA")):
        with pytest.raises(saml.MetadataError):
            saml.parse_metadata(bad)


def test_role_pairs_accept_either_order_and_spaces():
    assert saml.role_pairs([f"{PROVIDER}, {ROLE}", f" {ROLE} ,{PROVIDER}"]) == [(ROLE, PROVIDER)] * 2
    assert saml.role_pairs([ROLE, f"{ROLE},{ROLE}", "a,b", f"{ROLE},{PROVIDER},x"]) == []


def test_condition_context_keys(idp, metadata):
    attrs = {**ATTRS, "urn:oid:1.3.6.1.4.1.5923.1.1.1.1": ["staff", "member"]}
    assertion = saml.verify(saml.encode(saml.build_response(idp, ISSUER, "_s", attrs)), metadata)
    context = saml.condition_context(assertion, "123456789012", "sanvarie_test", PROVIDER)
    assert context["saml:aud"] == saml.AWS_SIGNIN  # the Recipient, not the Audience
    assert context["saml:doc"] == "123456789012/sanvarie_test"
    assert context["saml:sub"] == "_s" and context["saml:sub_type"] == "persistent"
    assert context["saml:eduPersonAffiliation"] == ["staff", "member"]
    # BASE64(SHA1(issuer + account + "/" + provider name)), computed independently here.
    import hashlib
    expected = base64.b64encode(hashlib.sha1(f"{ISSUER}123456789012/sanvarie_test".encode()).digest()).decode()
    assert context["saml:namequalifier"] == expected


# ---- cross-check with python3-saml (OneLogin's toolkit on xmlsec) ----------------------------------

# python3-saml 1.16 calls datetime.utcnow(); its deprecation is not ours to report.
onelogin = pytest.mark.filterwarnings("ignore::DeprecationWarning:onelogin")

def _onelogin_settings(cert_b64: str):
    from onelogin.saml2.settings import OneLogin_Saml2_Settings

    return OneLogin_Saml2_Settings({
        "strict": True,
        "sp": {"entityId": "urn:amazon:webservices", "assertionConsumerService": {"url": saml.AWS_SIGNIN}},
        "idp": {"entityId": ISSUER, "singleSignOnService": {"url": "http://x/sso"}, "x509cert": cert_b64},
        "security": {"wantAssertionsSigned": True},
    }, sp_validation_only=True)


REQUEST = {"https": "on", "http_host": "signin.aws.amazon.com", "script_name": "/saml"}


@onelogin
def test_python3_saml_accepts_our_responses_and_refuses_another_key(idp):
    from onelogin.saml2.response import OneLogin_Saml2_Response

    ours = OneLogin_Saml2_Response(_onelogin_settings(idp.cert_b64), saml.encode(saml.build_response(idp, ISSUER, "_s", ATTRS)))
    assert ours.is_valid(REQUEST), ours.get_error()
    assert ours.get_nameid() == "_s" and ours.get_attributes()[saml.ATTR_SESSION_NAME] == ["taro"]
    intruder = saml.new_signing_identity("intruder")
    theirs = OneLogin_Saml2_Response(_onelogin_settings(idp.cert_b64),
                                     saml.encode(saml.build_response(intruder, ISSUER, "_s", ATTRS)))
    assert not theirs.is_valid(REQUEST)


@onelogin
def test_our_verifier_accepts_xmlsec_signatures(idp, metadata):
    from onelogin.saml2.utils import OneLogin_Saml2_Utils

    unsigned = saml.build_response(idp, ISSUER, "_s", ATTRS, sign_assertion=False)
    signed = OneLogin_Saml2_Utils.add_sign(
        unsigned, idp.key_pem, idp.cert_pem,
        sign_algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        digest_algorithm="http://www.w3.org/2001/04/xmlenc#sha256")
    assert saml.verify(saml.encode(signed), metadata).signed == "Response"
    tampered = signed.replace(b">taro<", b">jiro<")
    assert _refused(saml.encode(tampered), metadata).message == "Response signature invalid"
