"""Realistic generated posts for benchmarks and scale tests: ``pressmark demo generate``.

Each post is Markdown of the kind this blog holds: sections with headings, prose, a fenced
code block, a table, a list, often a calculator embed; a topic, three to five tags, a
publication date spread over the years before now, and every tenth post a legacy alias.
The text is chosen by a seeded random generator, so the same call builds the same site.

"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from pressmark.content import generation
from pressmark.content.models import PUBLISHED, Alias, Post, utcnow
from pressmark.content.postdata import PostData, get_or_create_tags, get_or_create_topic
from pressmark.content.store import save_post
from pressmark.extensions import db
from sqlalchemy import func, select

# Posts rendered one by one; the rest reuse their bodies (see generate_posts).
RENDERED = 100
BATCH = 1000
TOPICS = [
    ("inference", "Inference"), ("serving", "Serving"), ("gpus", "GPUs"),
    ("agents", "Agents"), ("kernels", "Kernels"), ("cloud", "Cloud systems"),
    ("training", "Training"), ("evaluation", "Evaluation"),
]
SUBJECTS = ["KV cache", "batching", "tensor parallelism", "quantization", "prefill", "decode",
            "paged attention", "speculative decoding", "routing", "autoscaling", "tokenizers",
            "flash attention", "memory bandwidth", "schedulers", "mixture of experts",
            "prompt caching", "LoRA adapters", "pipeline parallelism", "rate limits",
            "cold starts"]
ANGLES = ["in practice", "under load", "at scale", "from first principles", "on one GPU",
          "for latency", "for throughput", "the hard way", "revisited", "explained",
          "measured", "on a budget"]
WORDS = ["model", "token", "latency", "throughput", "memory", "cache", "batch", "request",
         "GPU", "kernel", "tensor", "layer", "attention", "queue", "budget", "scheduler",
         "replica", "shard", "prefix", "context", "window", "precision", "bandwidth",
         "compute", "cluster", "node", "service", "trace", "profile", "metric", "estimate"]
TAGS = ["llm", "gpu", "cuda", "python", "go", "rust", "kubernetes", "latency", "memory",
        "quantization", "batching", "attention", "serving", "benchmarks", "cost", "agents",
        "scheduling", "networking", "storage", "observability", "triton", "vllm", "pytorch",
        "numerics", "caching", "autoscaling", "profiling", "distributed", "fp8", "int4"]
CALCULATORS = ["{{< calc token-cost >}}", "{{< calc kv-cache model=llama-3-8b >}}",
               "{{< calc weight-memory model=llama-3-70b >}}",
               "{{< calc speculative-decoding >}}"]
CODE = [
    ("python", "def tokens_per_second(batch, latency_ms):\n"
               "    \"\"\"Throughput of one replica.\"\"\"\n"
               "    return batch * 1000 / latency_ms\n\n"
               "print(tokens_per_second({a}, {b}))"),
    ("go", "func kvBytes(layers, heads, dim, tokens int) int {{\n"
           "\t// two tensors (K and V) per layer, fp16\n"
           "\treturn 2 * layers * heads * dim * tokens * {a}\n}}"),
    ("bash", "curl -s localhost:{b}/metrics | grep -E 'queue|batch' | sort | head -n {a}"),
]


def _sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 18))
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(3, 6)))


def _table(rng: random.Random) -> str:
    rows = ["| setting | tokens/s | p99 ms |", "|---|---:|---:|"]
    for _ in range(rng.randint(3, 6)):
        rows.append(f"| {rng.choice(WORDS)} {rng.randint(1, 64)} | {rng.randint(200, 9000)} "
                    f"| {rng.randint(5, 900)} |")
    return "\n".join(rows)


def body_for(rng: random.Random, subject: str) -> str:
    language, template = rng.choice(CODE)
    code = template.format(a=rng.randint(1, 64), b=rng.randint(10, 9000))
    parts = [_paragraph(rng), f"## Why {subject} matters", _paragraph(rng), _paragraph(rng),
             f"```{language}\n{code}\n```", "## Numbers", _table(rng), _paragraph(rng)]
    if rng.random() < 0.6:
        parts += ["## Try it", rng.choice(CALCULATORS)]
    parts += ["## Checklist", "\n".join(f"- {_sentence(rng)}" for _ in range(4)),
              _paragraph(rng)]
    return "\n\n".join(parts) + "\n"


def _post_data(rng: random.Random, n: int, now) -> PostData:
    subject = rng.choice(SUBJECTS)
    published = now - timedelta(hours=n * 7, minutes=rng.randint(0, 59))
    slug = f"{subject.replace(' ', '-').lower()}-{n}"
    return PostData(
        title=f"{subject.capitalize()} {rng.choice(ANGLES)}, part {n}",
        slug=slug,
        summary=_sentence(rng),
        body=body_for(rng, subject),
        topic=rng.choice(TOPICS)[0],
        tags=rng.sample(TAGS, rng.randint(3, 5)),
        featured=n % 25 == 0,
        status=PUBLISHED,
        published_at=published,
        updated_at=published,
        aliases=[f"/{published:%Y/%m}/{slug}.html"] if n % 10 == 0 else [],
    )


def generate_posts(count: int, *, seed: int = 1, rendered: int = RENDERED,
                   on_item: Callable[[str], None] | None = None) -> int:
    """Add ``count`` published posts; returns how many posts the site has now.

    The first ``rendered`` go through ``save_post`` like any import (rendered, a revision
    kept, plugin events fired). The others reuse those posts' rendered bodies with their own
    title, slug, summary, topic, tags, date and aliases, written in batches without a
    revision: saving ten thousand posts one by one would take most of an hour, and a
    benchmark needs the rows, not the history. Plugins that index posts catch up when the
    site starts (the search index checks it is in step). Slugs carry a running number, so
    a second call adds posts rather than clashing with the first. ``on_item(slug)`` is
    called as each post is added (for a progress bar).
    """
    rng = random.Random(seed)
    start = db.session.scalar(select(func.count(Post.id))) or 0
    for position, (slug, name) in enumerate(TOPICS):
        topic = get_or_create_topic(slug)
        topic.name, topic.position = name, position
    db.session.commit()
    now = utcnow().replace(microsecond=0)
    models: list[Post] = []
    topics = {slug: get_or_create_topic(slug) for slug, _ in TOPICS}
    tags = dict(zip(TAGS, get_or_create_tags(TAGS), strict=True))
    for n in range(start + 1, start + count + 1):
        data = _post_data(rng, n, now)
        if len(models) < rendered:
            models.append(save_post(data, kind="import"))
            if on_item:
                on_item(data.slug)
            continue
        model = models[n % len(models)]
        post = Post(
            title=data.title, slug=data.slug, summary=data.summary, body=model.body,
            body_html=model.body_html, toc_html=model.toc_html, word_count=model.word_count,
            topic=topics[data.topic], tags=[tags[name] for name in data.tags],
            featured=data.featured, status=PUBLISHED, published_at=data.published_at,
            created_at=data.published_at, updated_at=data.updated_at, version=1,
        )
        post.aliases = [Alias(path=path) for path in data.aliases]
        db.session.add(post)
        if on_item:
            on_item(data.slug)
        if n % BATCH == 0:
            db.session.flush()
            db.session.commit()
    db.session.flush()
    generation.bump(db.session)
    db.session.commit()
    return db.session.scalar(select(func.count(Post.id)))
