"""SAML 2.0 as AWS uses it: the IdP side (signing key, metadata, signed responses) and the AWS
side (verifying a response before AssumeRoleWithSAML).

Pure Python on signxml, lxml and cryptography (DESIGN.md section 6); no LocalStack imports, so the
emulator plugins (sandbox/plugins/idp, sandbox/plugins/saml_federation), the CLI and the grader
share it. Formats follow the IAM User Guide:
- "Configure SAML assertions for the authentication response"
  https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html
  (Subject/NameID, exactly one bearer SubjectConfirmation whose data has NotOnOrAfter and a Recipient
  that is the AWS sign-in endpoint, Audience https://signin.aws.amazon.com/saml or
  urn:amazon:webservices, the Role / RoleSessionName / SessionDuration attributes);
- "Troubleshoot SAML federation with IAM" for the refusals (their codes and messages are in
  sandbox/plugins/saml_federation/handler.py).

Verification trusts only what the signature covers: every value is read from the element signxml
returns as signed (the assertion, or the assertion inside a signed response), never from the
document as received, which defeats signature-wrapping.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree

NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "md": "urn:oasis:names:tc:SAML:2.0:metadata",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
}
SAML_NS, SAMLP_NS, MD_NS, DS_NS = NS["saml"], NS["samlp"], NS["md"], NS["ds"]

AWS_SIGNIN = "https://signin.aws.amazon.com/saml"
# Regional sign-in endpoints are accepted as well (IAM User Guide, "Configure your SAML 2.0 IdP
# with relying party trust and adding claims": https://<region>.signin.aws.amazon.com/saml).
AWS_SIGNIN_RE = re.compile(r"^https://([a-z0-9-]+\.)?signin\.aws\.amazon\.com/saml$")
AWS_AUDIENCES = (AWS_SIGNIN, "urn:amazon:webservices")

ATTR_ROLE = "https://aws.amazon.com/SAML/Attributes/Role"
ATTR_SESSION_NAME = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
ATTR_SESSION_DURATION = "https://aws.amazon.com/SAML/Attributes/SessionDuration"

NAMEID_PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
STATUS_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"

# Okta and most IdPs let a response be redeemed for five minutes; AWS's own refusal says
# "Token must be redeemed within 5 minutes of issuance".
ASSERTION_LIFETIME = timedelta(minutes=5)
# Tolerated clock difference between IdP and AWS for NotBefore.
CLOCK_SKEW = timedelta(seconds=30)

ROLE_ARN_RE = re.compile(r"^arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
PROVIDER_ARN_RE = re.compile(r"^arn:aws[\w-]*:iam::\d{12}:saml-provider/[\w.-]+$")


# ---- the IdP side -----------------------------------------------------------------------------

@dataclass(frozen=True)
class SigningIdentity:
    key_pem: str
    cert_pem: str

    @property
    def cert_b64(self) -> str:
        """The certificate as it appears in metadata and KeyInfo (base64 DER, no PEM armour)."""
        return cert_b64(self.cert_pem)


@lru_cache(maxsize=64)
def _private_key(key_pem: str):
    """Loading a PEM key validates it, which costs ~35 ms for RSA-2048: once per key is enough."""
    return serialization.load_pem_private_key(key_pem.encode(), password=None)


@lru_cache(maxsize=64)
def _certificate(cert_pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(cert_pem.encode())


def cert_b64(cert_pem: str) -> str:
    cert = _certificate(cert_pem)
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def new_signing_identity(common_name: str, now: datetime | None = None) -> SigningIdentity:
    """An RSA-2048 key and a self-signed certificate for it, valid ten years (IdPs ship such
    certificates in their metadata; AWS wants at least 1024-bit keys)."""
    now = now or datetime.now(timezone.utc)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return SigningIdentity(
        key_pem=key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode(),
        cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
    )


def idp_metadata(entity_id: str, cert_pem: str, sso_url: str) -> str:
    """The IdP's metadata document: what the learner downloads and registers in IAM
    (CreateSAMLProvider's SAMLMetadataDocument)."""
    md = f"{{{MD_NS}}}"
    root = etree.Element(md + "EntityDescriptor", nsmap={"md": MD_NS, "ds": DS_NS}, entityID=entity_id)
    idp = etree.SubElement(root, md + "IDPSSODescriptor", WantAuthnRequestsSigned="false",
                           protocolSupportEnumeration=SAMLP_NS)
    key = etree.SubElement(idp, md + "KeyDescriptor", use="signing")
    info = etree.SubElement(key, f"{{{DS_NS}}}KeyInfo")
    data = etree.SubElement(info, f"{{{DS_NS}}}X509Data")
    etree.SubElement(data, f"{{{DS_NS}}}X509Certificate").text = cert_b64(cert_pem)
    etree.SubElement(idp, md + "NameIDFormat").text = NAMEID_PERSISTENT
    for binding in ("HTTP-Redirect", "HTTP-POST"):
        etree.SubElement(idp, md + "SingleSignOnService",
                         Binding=f"urn:oasis:names:tc:SAML:2.0:bindings:{binding}", Location=sso_url)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()


def _instant(t: datetime) -> str:
    t = t.astimezone(timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def _sign(element: etree._Element, identity: SigningIdentity) -> etree._Element:
    """Enveloped RSA-SHA256 signature with exclusive c14n, placed where the SAML schema wants it
    (right after Issuer): signxml fills the ds:Signature placeholder."""
    from signxml import XMLSigner
    from signxml.algorithms import CanonicalizationMethod

    issuer = element.find(f"{{{SAML_NS}}}Issuer")
    placeholder = etree.Element(f"{{{DS_NS}}}Signature", nsmap={"ds": DS_NS}, Id="placeholder")
    issuer.addnext(placeholder)
    signer = XMLSigner(
        signature_algorithm="rsa-sha256",
        digest_algorithm="sha256",
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    signer.namespaces = {"ds": DS_NS}
    return signer.sign(element, key=_private_key(identity.key_pem), cert=[_certificate(identity.cert_pem)],
                       reference_uri=element.get("ID"))


def build_response(
    identity: SigningIdentity,
    issuer: str,
    name_id: str,
    attributes: dict[str, list[str]],
    *,
    recipient: str = AWS_SIGNIN,
    audience: str = "urn:amazon:webservices",
    now: datetime | None = None,
    lifetime: timedelta = ASSERTION_LIFETIME,
    sign_assertion: bool = True,
    sign_response: bool = False,
) -> bytes:
    """A SAMLResponse for AWS's sign-in endpoint, as an IdP posts it (XML; base64 it with encode())."""
    now = now or datetime.now(timezone.utc)
    s, p = f"{{{SAML_NS}}}", f"{{{SAMLP_NS}}}"
    assertion = etree.Element(s + "Assertion", nsmap={"saml": SAML_NS}, ID=f"_{uuid.uuid4().hex}",
                              IssueInstant=_instant(now), Version="2.0")
    etree.SubElement(assertion, s + "Issuer").text = issuer
    subject = etree.SubElement(assertion, s + "Subject")
    etree.SubElement(subject, s + "NameID", Format=NAMEID_PERSISTENT).text = name_id
    confirmation = etree.SubElement(subject, s + "SubjectConfirmation", Method=BEARER)
    etree.SubElement(confirmation, s + "SubjectConfirmationData",
                     NotOnOrAfter=_instant(now + lifetime), Recipient=recipient)
    conditions = etree.SubElement(assertion, s + "Conditions", NotBefore=_instant(now),
                                  NotOnOrAfter=_instant(now + lifetime))
    restriction = etree.SubElement(conditions, s + "AudienceRestriction")
    etree.SubElement(restriction, s + "Audience").text = audience
    authn = etree.SubElement(assertion, s + "AuthnStatement", AuthnInstant=_instant(now),
                             SessionIndex=f"_{uuid.uuid4().hex}")
    context = etree.SubElement(authn, s + "AuthnContext")
    etree.SubElement(context, s + "AuthnContextClassRef").text = (
        "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
    if attributes:
        statement = etree.SubElement(assertion, s + "AttributeStatement")
        for name, values in attributes.items():
            attribute = etree.SubElement(statement, s + "Attribute", Name=name)
            for value in values:
                etree.SubElement(attribute, s + "AttributeValue").text = value
    if sign_assertion:
        assertion = _sign(assertion, identity)

    response = etree.Element(p + "Response", nsmap={"samlp": SAMLP_NS, "saml": SAML_NS},
                             ID=f"_{uuid.uuid4().hex}", IssueInstant=_instant(now), Version="2.0",
                             Destination=recipient)
    etree.SubElement(response, s + "Issuer").text = issuer
    status = etree.SubElement(response, p + "Status")
    etree.SubElement(status, p + "StatusCode", Value=STATUS_SUCCESS)
    response.append(assertion)
    if sign_response:
        response = _sign(response, identity)
    return etree.tostring(response, xml_declaration=True, encoding="UTF-8")


def encode(response_xml: bytes) -> str:
    """The SAMLResponse form value / the SAMLAssertion parameter of AssumeRoleWithSAML."""
    return base64.b64encode(response_xml).decode()


# ---- reading metadata and responses -------------------------------------------------------------

class MetadataError(ValueError):
    """The metadata document cannot be used (AWS: InvalidInput "Could not parse metadata")."""


@dataclass(frozen=True)
class ProviderMetadata:
    entity_id: str
    certs: tuple[str, ...]  # signing certificates, base64 DER as in the document


def _safe_parse(data: bytes) -> etree._Element:
    # No DTDs, entities or network: a SAML document needs none of them (xmldsig best practices).
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    root = etree.fromstring(data, parser=parser)
    if root.getroottree().docinfo.doctype:
        raise ValueError("document type declarations are not allowed")
    return root


def parse_metadata(document: str | bytes) -> ProviderMetadata:
    data = document.encode() if isinstance(document, str) else document
    try:
        root = _safe_parse(data.strip())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise MetadataError(f"not well-formed XML: {exc}") from None
    descriptors = [root] if root.tag == f"{{{MD_NS}}}EntityDescriptor" else root.findall(
        "md:EntityDescriptor", NS)
    for descriptor in descriptors:
        idp = descriptor.find("md:IDPSSODescriptor", NS)
        if idp is None:
            continue
        certs = []
        for key in idp.findall("md:KeyDescriptor", NS):
            if key.get("use") not in (None, "signing"):
                continue
            for cert in key.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS):
                text = "".join((cert.text or "").split())
                try:
                    x509.load_der_x509_certificate(base64.b64decode(text))
                except (ValueError, binascii.Error):
                    raise MetadataError("a signing certificate is not a valid X.509 certificate") from None
                certs.append(text)
        if not descriptor.get("entityID"):
            raise MetadataError("EntityDescriptor has no entityID")
        if not certs:
            raise MetadataError("IDPSSODescriptor has no signing certificate")
        return ProviderMetadata(descriptor.get("entityID"), tuple(certs))
    raise MetadataError("no EntityDescriptor with an IDPSSODescriptor")


class SamlRefusal(Exception):
    """AWS refuses the response: `code` and `message` are what STS answers (HTTP `status`)."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status


def invalid_token(message: str) -> SamlRefusal:
    return SamlRefusal("InvalidIdentityToken", message, 400)


SIGNATURE_INVALID = "Response signature invalid"
ISSUER_UNKNOWN = "Issuer not present in specified provider"
AUDIENCE_MISSING = "Response does not contain the required audience."
EXPIRED = "Token must be redeemed within 5 minutes of issuance"
# STS API reference, AssumeRoleWithSAML, Errors: ExpiredTokenException.
NOT_YET_VALID = ("The web identity token that was passed is expired or is not valid. Get a new "
                 "identity token from the identity provider and then retry the request.")
NOT_AUTHORIZED = "Not authorized to perform sts:AssumeRoleWithSAML"


@dataclass
class Assertion:
    """What the signature covers, parsed."""

    issuer: str
    name_id: str | None
    name_id_format: str | None
    recipient: str | None
    audiences: list[str]
    attributes: dict[str, list[str]] = field(default_factory=dict)
    signed: str = "Assertion"  # which element carried the trusted signature: Assertion or Response

    def values(self, name: str) -> list[str]:
        return self.attributes.get(name, [])

    def subject_type(self) -> str:
        """saml:sub_type: "persistent", "transient", or the full Format URI (IAM condition keys)."""
        fmt = self.name_id_format or ""
        for short in ("persistent", "transient"):
            if fmt == f"urn:oasis:names:tc:SAML:2.0:nameid-format:{short}":
                return short
        return fmt


def decode(saml_response: str) -> etree._Element:
    """The Response element of a base64 SAMLResponse, parsed without DTDs or entities."""
    try:
        data = base64.b64decode("".join(saml_response.split()), validate=True)
        root = _safe_parse(data)
    except (binascii.Error, ValueError, etree.XMLSyntaxError):
        raise invalid_token("Invalid SAML response: it must be base64-encoded XML") from None
    if root.tag != f"{{{SAMLP_NS}}}Response":
        raise invalid_token("Invalid SAML response: the document is not a samlp:Response")
    return root


def _attributes(assertion: etree._Element) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for attribute in assertion.findall("saml:AttributeStatement/saml:Attribute", NS):
        values = [(v.text or "").strip() for v in attribute.findall("saml:AttributeValue", NS)]
        found.setdefault(attribute.get("Name", ""), []).extend(values)
    return found


def unverified_attributes(saml_response: str) -> dict[str, list[str]]:
    """The attributes as an AWS sign-in page reads them to list the roles; not trusted for anything
    else (STS verifies the signature before it acts)."""
    root = decode(saml_response)
    assertion = root.find("saml:Assertion", NS)
    return _attributes(assertion) if assertion is not None else {}


def _verify_signature(root: etree._Element, certs: tuple[str, ...]) -> tuple[etree._Element, str]:
    """The signed Assertion element and which element was signed, or SamlRefusal."""
    from signxml import InvalidInput, InvalidSignature, SignatureConfiguration, XMLVerifier
    from signxml.exceptions import InvalidCertificate, InvalidDigest

    assertions = root.findall("saml:Assertion", NS)
    if len(assertions) != 1:
        # Encrypted assertions are not supported by awslab; several assertions are not SAML for AWS.
        raise invalid_token("Invalid SAML response: it must contain exactly one saml:Assertion")
    locations = []
    if assertions[0].find("ds:Signature", NS) is not None:
        locations.append(("Assertion", f"./{{{SAML_NS}}}Assertion/"))
    if root.find("ds:Signature", NS) is not None:
        locations.append(("Response", "./"))
    if not locations:
        raise invalid_token(SIGNATURE_INVALID)
    for which, location in locations:
        config = SignatureConfiguration(location=location, expect_references=1)
        for cert in certs:
            pem = "-----BEGIN CERTIFICATE-----\n" + cert + "\n-----END CERTIFICATE-----\n"
            try:
                result = XMLVerifier().verify(root, x509_cert=pem, id_attribute="ID", expect_config=config)
            except (InvalidSignature, InvalidDigest, InvalidInput, InvalidCertificate, ValueError):
                continue
            signed = result.signed_xml
            if which == "Assertion" and signed.tag == f"{{{SAML_NS}}}Assertion":
                return signed, which
            if which == "Response" and signed.tag == f"{{{SAMLP_NS}}}Response":
                inner = signed.findall("saml:Assertion", NS)
                if len(inner) == 1:
                    return inner[0], which
    raise invalid_token(SIGNATURE_INVALID)


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise invalid_token(f"Invalid SAML response: {value!r} is not a valid xs:dateTime") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def verify(saml_response: str, metadata: ProviderMetadata, now: datetime | None = None) -> Assertion:
    """Check a SAMLResponse the way AWS does before AssumeRoleWithSAML: signature by a certificate of
    the provider's metadata, issuer, subject, bearer confirmation for the AWS sign-in endpoint, time
    window, audience. Returns the signed assertion's content; raises SamlRefusal."""
    now = now or datetime.now(timezone.utc)
    root = decode(saml_response)
    assertion, which = _verify_signature(root, metadata.certs)

    issuer = (assertion.findtext("saml:Issuer", default="", namespaces=NS) or "").strip()
    if issuer != metadata.entity_id:
        raise SamlRefusal("InvalidIdentityToken", ISSUER_UNKNOWN)

    name_id = assertion.find("saml:Subject/saml:NameID", NS)
    confirmations = assertion.findall("saml:Subject/saml:SubjectConfirmation", NS)
    bearer = [c for c in confirmations if c.get("Method") == BEARER]
    if len(bearer) != 1:
        raise invalid_token("Invalid SAML response: it needs exactly one bearer SubjectConfirmation")
    data = bearer[0].find("saml:SubjectConfirmationData", NS)
    recipient = data.get("Recipient") if data is not None else None
    if not recipient or not AWS_SIGNIN_RE.match(recipient):
        raise invalid_token(f"Invalid SAML response: the SubjectConfirmationData Recipient must be "
                            f"{AWS_SIGNIN}, found {recipient or 'none'}")
    confirmation_end = _time(data.get("NotOnOrAfter"))
    if confirmation_end is None:
        raise invalid_token("Invalid SAML response: SubjectConfirmationData has no NotOnOrAfter")

    conditions = assertion.find("saml:Conditions", NS)
    not_before = _time(conditions.get("NotBefore")) if conditions is not None else None
    not_after = _time(conditions.get("NotOnOrAfter")) if conditions is not None else None
    if not_before and now + CLOCK_SKEW < not_before:
        raise SamlRefusal("ExpiredTokenException", NOT_YET_VALID)
    for end in (confirmation_end, not_after):
        if end and now >= end:
            raise SamlRefusal("ExpiredTokenException", EXPIRED)

    audiences = [(a.text or "").strip() for a in assertion.findall(
        "saml:Conditions/saml:AudienceRestriction/saml:Audience", NS)]
    if not any(a in AWS_AUDIENCES for a in audiences):
        raise invalid_token(AUDIENCE_MISSING)

    return Assertion(
        issuer=issuer,
        name_id=(name_id.text or "").strip() if name_id is not None else None,
        name_id_format=name_id.get("Format") if name_id is not None else None,
        recipient=recipient,
        audiences=audiences,
        attributes=_attributes(assertion),
        signed=which,
    )


def role_pairs(values: list[str]) -> list[tuple[str, str]]:
    """(role ARN, provider ARN) of each Role attribute value "roleArn,providerArn". AWS takes the two
    ARNs in either order; spaces around them (as in the blog's example) are ignored."""
    pairs = []
    for value in values:
        parts = [p.strip() for p in value.split(",")]
        if len(parts) != 2:
            continue
        first, second = parts
        if ROLE_ARN_RE.match(second) and PROVIDER_ARN_RE.match(first):
            first, second = second, first
        if ROLE_ARN_RE.match(first) and PROVIDER_ARN_RE.match(second):
            pairs.append((first, second))
    return pairs


def offered_roles(saml_response: str) -> list[tuple[str, str]]:
    """The (role, provider) pairs an AWS sign-in page offers for a response, from its unverified
    Role attribute."""
    return role_pairs(unverified_attributes(saml_response).get(ATTR_ROLE, []))


def roles_by_account(pairs: list[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    """The pairs grouped by the role's account, as the sign-in page's "Select a role" list shows them."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for pair in pairs:
        grouped.setdefault(pair[0].split(":")[4], []).append(pair)
    return grouped


# ---- trust policy context ----------------------------------------------------------------------

# SAML attribute names that IAM maps to saml: condition keys (IAM User Guide, "Configure SAML
# assertions for the authentication response", Mapping SAML attributes to AWS trust policy context keys).
_EDU = {
    "1.1.1.1": "eduPersonAffiliation", "1.1.1.2": "eduPersonNickname", "1.1.1.3": "eduPersonOrgDN",
    "1.1.1.4": "eduPersonOrgUnitDN", "1.1.1.5": "eduPersonPrimaryAffiliation",
    "1.1.1.6": "eduPersonPrincipalName", "1.1.1.7": "eduPersonEntitlement",
    "1.1.1.8": "eduPersonPrimaryOrgUnitDN", "1.1.1.9": "eduPersonScopedAffiliation",
    "1.1.1.10": "eduPersonTargetedID", "1.1.1.11": "eduPersonAssurance",
    "1.2.1.2": "eduOrgHomePageURI", "1.2.1.3": "eduOrgIdentityAuthNPolicyURI",
    "1.2.1.4": "eduOrgLegalName", "1.2.1.5": "eduOrgSuperiorURI", "1.2.1.6": "eduOrgWhitePagesURI",
}
SAML_ATTRIBUTE_KEYS = {f"urn:oid:1.3.6.1.4.1.5923.{oid}": key for oid, key in _EDU.items()} | {
    "urn:oid:2.5.4.3": "cn",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name": "name",
    "http://schemas.xmlsoap.org/claims/CommonName": "commonName",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname": "givenName",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname": "surname",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress": "mail",
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/primarygroupsid": "uid",
    "2.5.4.3": "commonName", "2.5.4.4": "surname", "2.4.5.42": "givenName",
    "2.5.4.45": "x500UniqueIdentifier", "0.9.2342.19200300100.1.1": "uid",
    "0.9.2342.19200300100.1.3": "mail", "0.9.2342.19200300.100.1.45": "organizationStatus",
}


def name_qualifier(issuer: str, account: str, provider_name: str) -> str:
    """BASE64(SHA1(issuer + account + "/" + provider name)) (IAM User Guide, "Uniquely identifying
    users in SAML-based federation")."""
    return base64.b64encode(hashlib.sha1(f"{issuer}{account}/{provider_name}".encode()).digest()).decode()


def condition_context(assertion: Assertion, account: str, provider_name: str, provider_arn: str) -> dict:
    """The saml: keys a trust policy can test (IAM User Guide, "Available keys for SAML-based
    federation"): saml:aud is the Recipient, not the Audience."""
    context: dict[str, object] = {
        "saml:aud": assertion.recipient,
        "saml:iss": assertion.issuer,
        "saml:sub": assertion.name_id,
        "saml:sub_type": assertion.subject_type(),
        "saml:doc": f"{account}/{provider_name}",
        "saml:namequalifier": name_qualifier(assertion.issuer, account, provider_name),
        "aws:FederatedProvider": provider_arn,
    }
    for name, key in SAML_ATTRIBUTE_KEYS.items():
        values = assertion.values(name)
        if values:
            context[f"saml:{key}"] = values if len(values) > 1 else values[0]
    return context
