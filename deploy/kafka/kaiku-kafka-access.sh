#!/usr/bin/env bash
# Kaikukortti topics, Kafka users and ACLs: who may read and write what (deploy/README.md "Kafka access").
#
# Runs where Apache Kafka's command-line tools are (the apache/kafka image has them in /opt/kafka/bin):
#   kaiku-kafka-access.sh topics                      create the topics; converge their retention settings
#   kaiku-kafka-access.sh services                    SCRAM users and ACLs of the services and the Kafka UI
#   kaiku-kafka-access.sh agency AGENCY_ID PASSWORD   a ticket agency: writes agency submissions, reads outcomes
#   kaiku-kafka-access.sh national NAME PASSWORD      a national-office reader of the aggregate streams
#   kaiku-kafka-access.sh regional DEPLOYMENT         SCRAM users and ACLs of a regional deployment's issuance
#                                                     and usage (deploy/README.md "Regional deployments")
#   kaiku-kafka-access.sh revoke USER                 remove a user's ACLs and SCRAM credentials
#   kaiku-kafka-access.sh list                        every ACL on the cluster
#
# Environment:
#   KAFKA_BOOTSTRAP      admin connection (default 127.0.0.1:29092: the broker's localhost-only admin listener)
#   KAFKA_COMMAND_CONFIG client properties for an authenticated admin connection (a national cluster)
#   KAFKA_BIN            where kafka-topics.sh & co. are (default /opt/kafka/bin)
#   REPLICATION_FACTOR   replicas per partition for new topics (default 1; 3 on a production cluster)
#   KAIKU_ISSUANCE_KAFKA_PASSWORD, KAIKU_USAGE_KAFKA_PASSWORD, KAIKU_STATS_KAFKA_PASSWORD,
#   KAIKU_UI_KAFKA_PASSWORD  the service users' passwords (for `services`)
#   KAIKU_REGIONAL_ISSUANCE_KAFKA_PASSWORD, KAIKU_REGIONAL_USAGE_KAFKA_PASSWORD  a regional deployment's (`regional`)
#   DRY_RUN=1            print the commands instead of running them (passwords masked)
set -euo pipefail

KAFKA_BIN=${KAFKA_BIN:-/opt/kafka/bin}
KAFKA_BOOTSTRAP=${KAFKA_BOOTSTRAP:-127.0.0.1:29092}
REPLICATION_FACTOR=${REPLICATION_FACTOR:-1}
SCRAM_MECHANISM=SCRAM-SHA-512
DAY_MS=86400000

# The topics of kaiku_contracts.topics.ALL_TOPICS (a test keeps the two the same): name, partitions, configs.
# cards and redemptions are kept for ever: usage's card registry and the stats projections are rebuilt by
# replaying them from offset 0 (docs/architecture.md pattern 6). The aggregate streams are compacted to the
# latest snapshot per key. Agency traffic and dead letters are kept long enough to investigate.
TOPICS=(
  "kaiku.cards.v1 4 cleanup.policy=delete,retention.ms=-1"
  "kaiku.redemptions.v1 4 cleanup.policy=delete,retention.ms=-1"
  "kaiku.agency-redemptions.v1 4 cleanup.policy=delete,retention.ms=$((30 * DAY_MS))"
  "kaiku.redemption-outcomes.v1 4 cleanup.policy=delete,retention.ms=$((30 * DAY_MS))"
  "kaiku.stats.regional.v1 1 cleanup.policy=compact,min.cleanable.dirty.ratio=0.1"
  "kaiku.stats.national.v1 1 cleanup.policy=compact,min.cleanable.dirty.ratio=0.1"
  "kaiku.flags.v1 4 cleanup.policy=delete,retention.ms=$((365 * DAY_MS))"
  "kaiku.dead-letter.v1 1 cleanup.policy=delete,retention.ms=$((90 * DAY_MS))"
  "kaiku.deployments.v1 1 cleanup.policy=compact,min.cleanable.dirty.ratio=0.1"
)

# User names may only hold what an id may (kaiku_contracts EntityId): they become ACL principals and group names.
NAME_PATTERN='^[A-Za-z0-9._:-]{1,64}$'

admin_args=(--bootstrap-server "$KAFKA_BOOTSTRAP")
if [[ -n "${KAFKA_COMMAND_CONFIG:-}" ]]; then
  admin_args+=(--command-config "$KAFKA_COMMAND_CONFIG")
fi

run() {
  if [[ "${DRY_RUN:-0}" == 1 ]]; then
    printf '%s\n' "$*"
  else
    "$@"
  fi
}

die() {
  echo "kaiku-kafka-access: $*" >&2
  exit 2
}

check_name() {
  [[ "$1" =~ $NAME_PATTERN ]] || die "'$1' is not a usable name: 1-64 of A-Z a-z 0-9 . _ : -"
}

check_password() {
  [[ ${#2} -ge 16 ]] || die "the password of $1 must have at least 16 characters (make one: openssl rand -hex 24)"
  [[ "$2" != *[],=[]* ]] || die "the password of $1 may not contain , = [ or ] (kafka-configs syntax)"
}

scram_user() { # USER PASSWORD
  check_name "$1"
  check_password "$1" "$2"
  local secret=$2
  [[ "${DRY_RUN:-0}" == 1 ]] && secret='***'
  run "$KAFKA_BIN/kafka-configs.sh" "${admin_args[@]}" --alter --entity-type users --entity-name "$1" \
    --add-config "$SCRAM_MECHANISM=[iterations=8192,password=$secret]"
}

ACL_ACTION=--add

allow() { # USER OPERATION RESOURCE-TYPE NAME [prefixed]   (removes it instead under ACL_ACTION=--remove)
  local user=$1 operation=$2 type=$3 name=$4 pattern=${5:-literal} resource
  if [[ "$type" == cluster ]]; then
    resource=(--cluster)
  else
    resource=("--$type" "$name" --resource-pattern-type "$pattern")
  fi
  run "$KAFKA_BIN/kafka-acls.sh" "${admin_args[@]}" "$ACL_ACTION" --force --allow-principal "User:$user" \
    --operation "$operation" "${resource[@]}"
}

cmd_topics() {
  local spec name partitions configs config_args
  for spec in "${TOPICS[@]}"; do
    read -r name partitions configs <<<"$spec"
    if [[ "$REPLICATION_FACTOR" -gt 1 ]]; then
      configs+=",min.insync.replicas=2" # with the services' acks=all, a write survives one broker's loss
    fi
    config_args=()
    IFS=',' read -ra parts <<<"$configs"
    for part in "${parts[@]}"; do config_args+=(--config "$part"); done
    run "$KAFKA_BIN/kafka-topics.sh" "${admin_args[@]}" --create --if-not-exists --topic "$name" \
      --partitions "$partitions" --replication-factor "$REPLICATION_FACTOR" "${config_args[@]}"
    # an existing topic takes today's settings too (an upgrade that changes a retention)
    run "$KAFKA_BIN/kafka-configs.sh" "${admin_args[@]}" --alter --entity-type topics --entity-name "$name" \
      --add-config "$configs"
  done
}

# What each service does on Kafka (services/*/app.py; a test compares it with the services' own subscribers
# and publishers). Consumer groups are `kaiku-<service>.<consumer>`: READ on that prefix. Write and Read
# imply Describe. No service may create, delete or reconfigure topics.
# Issuance and usage read the ownership registry to its end at start-up and announce their claim (and usage its
# venues) on it: docs/architecture.md "Regional deployments". They read it without a consumer group.
registry_acls() { # USER
  allow "$1" Read topic kaiku.deployments.v1
  allow "$1" Write topic kaiku.deployments.v1
}

issuance_acls() { # USER
  allow "$1" Write topic kaiku.cards.v1
  registry_acls "$1"
}

usage_acls() { # USER: the national topics it reads, its own uses and outcomes it writes; groups USER.*
  allow "$1" Read topic kaiku.cards.v1
  allow "$1" Read topic kaiku.agency-redemptions.v1
  allow "$1" Write topic kaiku.redemptions.v1
  allow "$1" Write topic kaiku.redemption-outcomes.v1
  allow "$1" Write topic kaiku.dead-letter.v1
  allow "$1" Read group "$1." prefixed
  registry_acls "$1"
}

service_acls() {
  issuance_acls kaiku-issuance

  allow kaiku-usage Read topic kaiku.cards.v1
  allow kaiku-usage Read topic kaiku.agency-redemptions.v1
  allow kaiku-usage Write topic kaiku.redemptions.v1
  allow kaiku-usage Write topic kaiku.redemption-outcomes.v1
  allow kaiku-usage Write topic kaiku.dead-letter.v1
  allow kaiku-usage Read group kaiku-usage. prefixed
  registry_acls kaiku-usage

  allow kaiku-stats Read topic kaiku.cards.v1
  allow kaiku-stats Read topic kaiku.redemptions.v1
  allow kaiku-stats Write topic kaiku.stats.regional.v1
  allow kaiku-stats Write topic kaiku.stats.national.v1
  allow kaiku-stats Write topic kaiku.flags.v1
  allow kaiku-stats Write topic kaiku.dead-letter.v1
  allow kaiku-stats Read group kaiku-stats. prefixed

  # the Kafka web UI browses (read-only): topics, messages, consumer groups and their lag
  allow kaiku-ui Read topic kaiku. prefixed
  allow kaiku-ui DescribeConfigs topic kaiku. prefixed
  allow kaiku-ui Describe group '*'
  allow kaiku-ui Describe cluster kafka-cluster
  allow kaiku-ui DescribeConfigs cluster kafka-cluster
}

cmd_services() {
  local svc var
  for svc in issuance usage stats ui; do
    var="KAIKU_${svc^^}_KAFKA_PASSWORD"
    [[ -n "${!var:-}" ]] || die "set $var"
    scram_user "kaiku-$svc" "${!var}"
  done
  service_acls
}

agency_acls() { # USER
  allow "$1" Write topic kaiku.agency-redemptions.v1
  allow "$1" Read topic kaiku.redemption-outcomes.v1
  # exactly one consumer group, named as its user: LITERAL, not PREFIXED, since as a prefix agency-A would
  # also match agency-AB's group and could join (or reset) it
  allow "$1" Read group "$1"
}

national_acls() { # USER
  allow "$1" Read topic kaiku.stats.regional.v1
  allow "$1" Read topic kaiku.stats.national.v1
  allow "$1" Read topic kaiku.flags.v1 # the misuse watch (docs/stats.md)
  allow "$1" Read group "$1" # LITERAL: a prefix national-X would match national-XY's group too
}

cmd_agency() { # AGENCY_ID PASSWORD
  [[ $# -eq 2 ]] || die "usage: agency AGENCY_ID PASSWORD"
  check_name "$1"
  scram_user "agency-$1" "$2"
  agency_acls "agency-$1"
  echo "agency $1: Kafka user agency-$1, consumer group agency-$1 (exactly)" >&2
}

cmd_regional() { # DEPLOYMENT: users kaiku-issuance-DEPLOYMENT and kaiku-usage-DEPLOYMENT (its KAIKU_DEPLOYMENT)
  [[ $# -eq 1 ]] || die "usage: regional DEPLOYMENT"
  check_name "$1"
  [[ "$1" != national ]] || die "the national deployment's users are made by \`services\`"
  [[ -n "${KAIKU_REGIONAL_ISSUANCE_KAFKA_PASSWORD:-}" ]] || die "set KAIKU_REGIONAL_ISSUANCE_KAFKA_PASSWORD"
  [[ -n "${KAIKU_REGIONAL_USAGE_KAFKA_PASSWORD:-}" ]] || die "set KAIKU_REGIONAL_USAGE_KAFKA_PASSWORD"
  scram_user "kaiku-issuance-$1" "$KAIKU_REGIONAL_ISSUANCE_KAFKA_PASSWORD"
  scram_user "kaiku-usage-$1" "$KAIKU_REGIONAL_USAGE_KAFKA_PASSWORD"
  issuance_acls "kaiku-issuance-$1"
  usage_acls "kaiku-usage-$1"
  echo "regional deployment $1: Kafka users kaiku-issuance-$1 and kaiku-usage-$1, groups kaiku-usage-$1.*" >&2
}

cmd_national() { # NAME PASSWORD
  [[ $# -eq 2 ]] || die "usage: national NAME PASSWORD"
  check_name "$1"
  scram_user "national-$1" "$2"
  national_acls "national-$1"
  echo "national office reader $1: Kafka user national-$1, consumer group national-$1 (exactly)" >&2
}

cmd_revoke() { # USER: its credentials first (no new logins), then its ACLs
  [[ $# -eq 1 ]] || die "usage: revoke USER (agency-<id> or national-<name>)"
  check_name "$1"
  run "$KAFKA_BIN/kafka-configs.sh" "${admin_args[@]}" --alter --entity-type users --entity-name "$1" \
    --delete-config "$SCRAM_MECHANISM"
  ACL_ACTION=--remove
  case "$1" in
    agency-*) agency_acls "$1" ;;
    national-*) national_acls "$1" ;;
    *) die "revoke is for agency-<id> and national-<name> users; a service user goes with its service" ;;
  esac
}

case "${1:-}" in
  topics) cmd_topics ;;
  services) cmd_services ;;
  agency) shift; cmd_agency "$@" ;;
  national) shift; cmd_national "$@" ;;
  regional) shift; cmd_regional "$@" ;;
  revoke) shift; cmd_revoke "$@" ;;
  list) run "$KAFKA_BIN/kafka-acls.sh" "${admin_args[@]}" --list ;;
  *) sed -n '2,25p' "$0" >&2; exit 2 ;;
esac
