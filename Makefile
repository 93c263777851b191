# Everyday entry points. `make help` lists them.

CARGO     ?= cargo
KUBECTL   ?= kubectl
OVERLAY   ?= static
IMAGE     ?= bucketstatestore-webhook:dev
# Where cargo builds: target/, or CARGO_TARGET_DIR when set.
TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),target)
BIN       := $(TARGET_DIR)/debug/bucketstatestore-webhook
LISTEN    ?= 127.0.0.1:8443
ADMIN     ?= 127.0.0.1:8080

.PHONY: help build test lint fmt run certs manifests deploy undeploy image e2e bench clean

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## Build the binary (debug)
	$(CARGO) build --locked

test: ## Run every test: unit, integration over TLS, cases, manifests
	$(CARGO) test --locked --all-targets

lint: ## cargo fmt --check and clippy with warnings denied
	$(CARGO) fmt --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

fmt: ## Format the code
	$(CARGO) fmt

certs: ## Write a development CA and serving certificate into certs/ (kept if still valid)
	./certs/gen-certs.sh certs

run: certs build ## Serve on 127.0.0.1:8443 with the Secrets in examples/secrets
	$(BIN) serve --listen $(LISTEN) --admin-listen $(ADMIN) \
		--tls-cert certs/tls.crt --tls-key certs/tls.key \
		--secrets-dir examples/secrets

STATIC_DIR := manifests/overlays/static
DOCKER     ?= docker
KIND       ?= kind
# The static overlay reads its certificate from files next to its kustomization.yaml.
DEPLOY_PREREQS := $(if $(filter static,$(OVERLAY)),static-certs)

.PHONY: static-certs

static-certs: certs ## Copy the certificate from certs/ into the static overlay (git-ignored)
	install -m 0644 certs/tls.crt $(STATIC_DIR)/tls.crt
	install -m 0644 certs/ca.crt $(STATIC_DIR)/ca.crt
	install -m 0600 certs/tls.key $(STATIC_DIR)/tls.key

manifests: static-certs ## Render base and both overlays into dist/ (static.yaml holds the key)
	@mkdir -p dist
	$(KUBECTL) kustomize manifests/base > dist/base.yaml
	$(KUBECTL) kustomize manifests/overlays/cert-manager > dist/cert-manager.yaml
	umask 077 && $(KUBECTL) kustomize $(STATIC_DIR) > dist/static.yaml

deploy: $(DEPLOY_PREREQS) ## Apply OVERLAY=static|cert-manager to the current kubectl context
	$(KUBECTL) apply -k manifests/overlays/$(OVERLAY)
	$(KUBECTL) -n bucketstatestore-webhook rollout status deployment/bucketstatestore-webhook \
		--timeout=180s

undeploy: $(DEPLOY_PREREQS) ## Delete what deploy applied (OVERLAY=static|cert-manager)
	$(KUBECTL) delete -k manifests/overlays/$(OVERLAY) --ignore-not-found

image: ## Build the container image IMAGE (needs a Docker engine)
	@$(DOCKER) info >/dev/null 2>&1 || { echo "make image: no container engine answers \
	'$(DOCKER) info'; start Docker and retry" >&2; exit 1; }
	$(DOCKER) build -t $(IMAGE) .

e2e: ## On a throwaway kind cluster (needs kind, Docker, KRATIX_CRD=path or URL); not for CI
	@test -n "$(KRATIX_CRD)" || { echo "make e2e: set KRATIX_CRD to the Kratix \
	BucketStateStore CRD (a file path or URL)" >&2; exit 1; }
	$(MAKE) image
	KRATIX_CRD="$(KRATIX_CRD)" IMAGE="$(IMAGE)" KUBECTL="$(KUBECTL)" KIND="$(KIND)" \
		DOCKER="$(DOCKER)" ./hack/e2e-kind.sh

bench: ## Req/s, latency, CPU and RSS of the release server vs a bare floor (installs wrk)
	./hack/bench.sh

clean: ## Remove build output, generated certificates and rendered manifests
	$(CARGO) clean
	rm -f certs/*.crt certs/*.key certs/*.srl certs/*.csr
	rm -f manifests/overlays/static/*.crt manifests/overlays/static/*.key
	rm -rf dist

.PHONY: bench-check

bench-check: ## Documents/s and peak RSS of `check` on 10,000 generated objects (release)
	./hack/bench-check.sh
