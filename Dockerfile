# Boomerang container image: boomerang-server (the default command),
# boomerang-indexer, the boomerang CLI and boomerang-demo-shop.
#
#   docker build -t boomerang .
#   docker run --rm -p 50051:50051 -p 8080:8080 \
#       -v "$PWD/snapshots:/srv/boomerang/snapshots:ro" boomerang
#   docker run --rm --entrypoint boomerang-indexer \
#       -v "$PWD/exports:/srv/boomerang/exports:ro" \
#       -v "$PWD/snapshots:/srv/boomerang/snapshots" boomerang \
#       --purchases /srv/boomerang/exports/orders.csv.gz \
#       --catalog /srv/boomerang/exports/catalog.csv --out /srv/boomerang/snapshots
#
# Everything comes from Debian 12 packages (apt); nothing else is downloaded.
# The runtime user is uid/gid 10001: a mounted snapshot directory must be
# readable by it (and writable for the indexer).

# ---- build stage -----------------------------------------------------------
FROM debian:12 AS build
ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /src
# The dependency list alone first, so that source changes reuse this layer.
COPY tools/install_deps.sh tools/install_deps.sh
RUN tools/install_deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN tools/build.sh boomerang-server boomerang-indexer boomerang boomerang-demo-shop

# ---- runtime stage ---------------------------------------------------------
FROM debian:12
ENV DEBIAN_FRONTEND=noninteractive
# Only the runtime libraries the four binaries link (readelf -d: NEEDED),
# each mapped to its Debian 12 package; FAISS is linked statically
# (libfaiss-dev ships only libfaiss.a). libopenblas0-pthread provides
# libblas.so.3 and liblapack.so.3 (as alternatives). ca-certificates: for
# NATS over TLS (tls://...) with public CAs. tools/check_deploy.sh checks
# that this list covers every library the built binaries need.
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends \
      libabsl20220623 \
      libcpp-httplib0.11 \
      libgcc-s1 \
      libgomp1 \
      libgrpc++1.51 \
      libgrpc29 \
      libjemalloc2 \
      libnats3.4 \
      libopenblas0-pthread \
      libprotobuf32 \
      librocksdb7.8 \
      libssl3 \
      libstdc++6 \
      libtomlplusplus3 \
      libxgboost0 \
      zlib1g \
      ca-certificates \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 boomerang \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent \
      --no-create-home --shell /usr/sbin/nologin boomerang \
 && mkdir -p /srv/boomerang/snapshots /srv/boomerang/events \
 && chown -R 10001:10001 /srv/boomerang

COPY --from=build /src/build/bin/boomerang-server \
                  /src/build/bin/boomerang-indexer \
                  /src/build/bin/boomerang \
                  /src/build/bin/boomerang-demo-shop \
                  /usr/local/bin/

# Numeric, so that Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
WORKDIR /srv/boomerang
# 50051: gRPC (Recommender, Admin, grpc.health.v1, reflection).
# 8080: HTTP side door (/healthz, /metrics, JSON RPCs, demo page).
EXPOSE 50051 8080
# The server handles SIGTERM itself (health NOT_SERVING, grace, drain), so it
# runs as PID 1 directly (exec form: the signal reaches it).
ENTRYPOINT ["/usr/local/bin/boomerang-server"]
CMD ["--snapshots", "/srv/boomerang/snapshots", \
     "--host", "0.0.0.0", "--port", "50051", "--http-port", "8080", \
     "--events-dir", "/srv/boomerang/events"]
