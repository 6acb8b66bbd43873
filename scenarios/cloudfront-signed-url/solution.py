"""Reference solution of cloudfront-signed-url, written as a learner would with boto3.

Runs against whatever AWS_ENDPOINT_URL and credentials the environment holds
(eval "$(awslab env)"), and is safe to run twice. The private key is kept in --private-key-file
(in the current folder by default, where `awslab grade` looks for it); an existing file is reused.

    python solution.py [--bucket 20220807-cloudfront-signed-url] [--object hane.jpg]
"""

import argparse
import json
import os
import time
from pathlib import Path

import boto3
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

# An 8x8 grey baseline JPEG (one block, DC 0, end of block), so the script needs no image file.
TINY_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000"
    "ffdb004300" + "01" * 64
    + "ffc0000b080008000801011100"
    "ffc4001400" + "01" + "00" * 15 + "00"
    "ffc4001410" + "01" + "00" * 15 + "00"
    "ffda0008010100003f00" "3f" "ffd9"
)
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # managed cache policy


def private_key(path: Path) -> rsa.RSAPrivateKey:
    """Reuse the key file, or make a 2048-bit key like `openssl genrsa -traditional`."""
    if path.exists():
        return serialization.load_pem_private_key(path.read_bytes(), password=None)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    # Created 0600 (as openssl and ssh-keygen do), never readable by others even for a moment.
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as fh:
        fh.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                   serialization.NoEncryption()))
    print(f"wrote private key {path}")
    return key


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bucket", default="20220807-cloudfront-signed-url")
    parser.add_argument("--object", default="hane.jpg")
    parser.add_argument("--private-key-file", default="private_key_presigned_url.pem")
    parser.add_argument("--public-key-name", default="presigned-url-key")
    parser.add_argument("--key-group-name", default="presigned-url-key-group")
    args = parser.parse_args()

    session = boto3.session.Session()
    region = session.region_name or "ap-northeast-1"
    s3 = session.client("s3", region_name=region)
    cloudfront = session.client("cloudfront", region_name=region)

    # 1. The bucket and the image.
    try:
        s3.create_bucket(Bucket=args.bucket, CreateBucketConfiguration={"LocationConstraint": region})
        print(f"created bucket {args.bucket}")
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
            raise
    s3.put_object(Bucket=args.bucket, Key=args.object, Body=TINY_JPEG, ContentType="image/jpeg")

    # 2. The key pair; 3. the public key in CloudFront.
    key = private_key(Path(args.private_key_file))
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    existing = [k for k in cloudfront.list_public_keys()["PublicKeyList"].get("Items", [])
                if k["Name"] == args.public_key_name]
    if existing:
        if existing[0]["EncodedKey"].strip() != public_pem.strip():
            raise SystemExit(f"public key {args.public_key_name} exists with another key than {args.private_key_file}")
        public_key_id = existing[0]["Id"]
    else:
        public_key_id = cloudfront.create_public_key(PublicKeyConfig={
            "CallerReference": f"{args.public_key_name}-{int(time.time())}", "Name": args.public_key_name,
            "EncodedKey": public_pem, "Comment": "signs the URLs of " + args.object})["PublicKey"]["Id"]
    print(f"public key {public_key_id}")

    # 4. The key group.
    groups = [g["KeyGroup"] for g in cloudfront.list_key_groups()["KeyGroupList"].get("Items", [])
              if g["KeyGroup"]["KeyGroupConfig"]["Name"] == args.key_group_name]
    group_config = {"Name": args.key_group_name, "Items": [public_key_id], "Comment": ""}
    if groups:
        key_group_id = groups[0]["Id"]
        current = cloudfront.get_key_group_config(Id=key_group_id)
        if current["KeyGroupConfig"]["Items"] != [public_key_id]:
            cloudfront.update_key_group(Id=key_group_id, KeyGroupConfig=group_config, IfMatch=current["ETag"])
    else:
        key_group_id = cloudfront.create_key_group(KeyGroupConfig=group_config)["KeyGroup"]["Id"]
    print(f"key group {key_group_id}")

    # 5. The origin access identity (the console names it access-identity-<origin domain>).
    origin_domain = f"{args.bucket}.s3.{region}.amazonaws.com"
    comment = f"access-identity-{origin_domain}"
    oais = [o for o in cloudfront.list_cloud_front_origin_access_identities()
            ["CloudFrontOriginAccessIdentityList"].get("Items", []) if o["Comment"] == comment]
    if oais:
        oai_id = oais[0]["Id"]
    else:
        oai_id = cloudfront.create_cloud_front_origin_access_identity(CloudFrontOriginAccessIdentityConfig={
            "CallerReference": comment, "Comment": comment})["CloudFrontOriginAccessIdentity"]["Id"]
    print(f"origin access identity {oai_id}")

    # 6. The bucket policy: only the OAI may read the objects.
    s3.put_bucket_policy(Bucket=args.bucket, Policy=json.dumps({
        "Version": "2008-10-17",
        "Id": "PolicyForCloudFrontPrivateContent",
        "Statement": [{
            "Sid": "1", "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity {oai_id}"},
            "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{args.bucket}/*",
        }],
    }))

    # 7. The distribution: S3 origin through the OAI, viewers restricted to the key group.
    distributions = cloudfront.list_distributions()["DistributionList"].get("Items", [])
    mine = [d for d in distributions if any(o["DomainName"] == origin_domain for o in d["Origins"]["Items"])]
    if mine:
        distribution = mine[0]
    else:
        distribution = cloudfront.create_distribution(DistributionConfig={
            "CallerReference": f"{args.bucket}-{int(time.time())}",
            "Comment": f"signed URLs for {args.bucket}",
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{
                "Id": origin_domain, "DomainName": origin_domain,
                "S3OriginConfig": {"OriginAccessIdentity": f"origin-access-identity/cloudfront/{oai_id}"},
            }]},
            "DefaultCacheBehavior": {
                "TargetOriginId": origin_domain,
                "ViewerProtocolPolicy": "redirect-to-https",
                "TrustedKeyGroups": {"Enabled": True, "Quantity": 1, "Items": [key_group_id]},
                "CachePolicyId": CACHING_OPTIMIZED,
            },
        })["Distribution"]
    print(f"distribution {distribution['Id']}: https://{distribution['DomainName']}/{args.object}")
    print("sign a URL with: aws cloudfront sign --url https://%s/%s --key-pair-id %s "
          "--private-key file://%s --date-less-than <time>"
          % (distribution["DomainName"], args.object, public_key_id, args.private_key_file))


if __name__ == "__main__":
    main()
