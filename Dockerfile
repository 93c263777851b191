# syntax=docker/dockerfile:1
# Build: make image (or docker build -t bucketstatestore-webhook:dev .)

# Same toolchain as development; Cargo.toml's rust-version is the floor.
ARG RUST_VERSION=1.95
FROM rust:${RUST_VERSION}-bookworm AS builder
WORKDIR /src
COPY . .
# The caches keep crates and build output between builds; the binary is copied out of the
# cached target directory because cache mounts are not part of the layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin bucketstatestore-webhook \
    && install -D -m 0755 target/release/bucketstatestore-webhook /out/bucketstatestore-webhook

# glibc from Debian 12 matches the builder; no shell, no package manager.
FROM gcr.io/distroless/cc-debian12:nonroot
LABEL org.opencontainers.image.title="bucketstatestore-webhook" \
      org.opencontainers.image.description="Admission webhook for Kratix BucketStateStore" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=builder /out/bucketstatestore-webhook /bucketstatestore-webhook
# The exact dependency versions, for image scanners.
COPY --from=builder /src/Cargo.lock /usr/share/doc/bucketstatestore-webhook/Cargo.lock
USER 65532:65532
EXPOSE 8443 8080
ENTRYPOINT ["/bucketstatestore-webhook"]
CMD ["serve"]
