"""What each simulated user does in one round. Normal users chat like people; abusive ones attack.

Abusive users take turns at three behaviours, one per round: login brute force (wrong passwords against a
real account), message floods (back-to-back chats with no pause), and a scripted, non-browser client
(python-requests or curl user agent). chatmon's rate limiters, violation scores and bans see all three.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import threading

from examples.chatapp.loadgen.client import BROWSER_AGENT, SCRIPTED_AGENTS, Client, Recorder

PROMPTS = (
    "Summarise the plot of Hamlet in three sentences.",
    "Write a haiku about caching.",
    "How do I reverse a list in Python?",
    "Explain prompt caching and why it saves money.",
    "Draft a polite reply declining a meeting invitation.",
    "What is the difference between latency and throughput?",
    "Give me five names for a coffee shop run by robots.",
    "Translate 'good morning, how are you?' into French and German.",
)
FLOOD_MESSAGES = 8


def prompt(rng) -> str:
    """One of PROMPTS, numbered: the fake provider's reply (and whether its model's failure profile strikes)
    follows from the text, so eight bare prompts would fail always or never."""
    return f"{rng.choice(PROMPTS)} (#{rng.randrange(10_000)})"


# Of normal users' chats: how many ask the fake provider to search the web or make an image (priced per call,
# docs/ledger.md "Priced calls"), so the ledger, User 360 and the Usage page show call rows. Few: a search costs
# 10,000 to 30,000 credits and an image 40,000, more than the start balance (the balance check, which holds
# the calls' price, refuses those a balance cannot cover), so more would drain the staff users within minutes.
SEARCH_SHARE, IMAGE_SHARE = 0.02, 0.01


def with_tool(rng, text: str) -> str:
    roll = rng.random()
    if roll < SEARCH_SHARE:
        return f"/search {text}"
    return f"/image {text}" if roll < SEARCH_SHARE + IMAGE_SHARE else text


# The heavy spender pastes a long document into every chat (about 1,500 prompt tokens) and asks for long
# replies: the demo's top spender, for the spend anomaly panel and the user spend alerts to show.
HEAVY_PROMPT_REPEAT = 150
HEAVY_MAX_TOKENS = 4096
BRUTE_FORCE_ATTEMPTS = 5
# Of complete replies: how many are rated, how many regenerated, and how often each model's are liked.
FEEDBACK_SHARE, REGENERATE_SHARE = 0.25, 0.08
LIKED_SHARE = {"gpt-4o-mini": 0.55, "gpt-4o": 0.75, "claude-3-5-haiku": 0.6, "claude-sonnet-4": 0.85}
UP_TAGS = ("helpful", "clear", "concise", "knowledgeable")
DOWN_TAGS = ("incorrect", "lazy", "style", "instructions")


@dataclasses.dataclass
class Plan:
    """What every simulated user shares: where to go, what to record, when to stop."""

    base_url: str
    paths: dict[str, str]
    recorder: Recorder
    models: list[str]
    think_seconds: float
    stop: threading.Event
    brute_force_target: str


def password_for(username: str) -> str:
    """A stable password per load-generation account, so a later run logs in where an earlier registered."""
    return "lg-" + hashlib.sha256(f"chatmon-loadgen:{username}".encode()).hexdigest()[:20]


class SimulatedUser:
    def __init__(self, *, username: str, address: str, plan: Plan, rng: random.Random) -> None:
        self.username = username
        self.address = address
        self.plan = plan
        self.rng = rng
        self.client = self.new_client(BROWSER_AGENT)
        self.logged_in: set[Client] = set()

    def new_client(self, user_agent: str) -> Client:
        return Client(
            base_url=self.plan.base_url, chat_path=self.plan.paths["chat"], recorder=self.plan.recorder,
            user_agent=user_agent, address=self.address,
        )  # fmt: skip

    def sign_in(self, client: Client) -> bool:
        """Register (409 when a previous run already did) and log in on `client`'s session."""
        if client in self.logged_in:
            return True
        email = f"{self.username}@loadgen.invalid"
        account = {"username": self.username, "email": email, "password": password_for(self.username)}
        client.call("register", "POST", self.plan.paths["register"], account)
        response = client.call("login", "POST", self.plan.paths["login"], account)
        if response is not None and response.status_code == 200:
            self.logged_in.add(client)
        return client in self.logged_in

    def chat(self, client: Client, action: str, data: dict, **kwargs) -> None:
        if client.chat(action, data, **kwargs) == "401":
            self.logged_in.discard(client)  # the session ended: sign in again next round

    def think(self) -> None:
        if self.plan.think_seconds:
            self.plan.stop.wait(self.rng.uniform(0.5, 1.5) * self.plan.think_seconds)


class NormalUser(SimulatedUser):
    def __init__(self, *, heavy: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.conversations: list[str] = []
        self.heavy = heavy

    def step(self) -> None:
        if not self.sign_in(self.client):
            self.think()
            return
        if not self.conversations or self.rng.random() < 0.2:
            self.new_conversation()
        conversation = self.rng.choice(self.conversations) if self.conversations else None
        data = {"model": self.rng.choice(self.plan.models), "text": with_tool(self.rng, prompt(self.rng))}
        if self.heavy:
            data.update(text=" ".join([data["text"]] * HEAVY_PROMPT_REPEAT), max_tokens=HEAVY_MAX_TOKENS)
        if conversation:
            data["conversation_id"] = conversation
        # One chat in ten is cut off after its first chunk, as when a user closes the tab.
        abort_after = 1 if self.rng.random() < 0.1 else None
        self.chat(self.client, "chat", data, abort_after=abort_after)
        self.react(data)
        if conversation and self.rng.random() < 0.3:
            self.client.call("read messages", "GET", self.plan.paths["messages"].format(pk=conversation))
        self.think()

    def react(self, data: dict) -> None:
        """Now and then rate the reply (LibreChat's thumbs and tags) or ask for it again: the Models page's
        quality figures. Larger models are liked a little more often, so the demo's models differ."""
        reply = self.client.last_reply
        if reply is None:
            return
        if self.rng.random() < FEEDBACK_SHARE:
            liked = self.rng.random() < LIKED_SHARE.get(data["model"], 0.6)
            rating, tags = ("thumbsUp", UP_TAGS) if liked else ("thumbsDown", DOWN_TAGS)
            path = self.plan.paths["feedback"].format(conversation=reply["conversation"]["id"],
                                                      message=reply["responseMessage"]["id"])  # fmt: skip
            self.client.call("feedback", "PUT", path, {"feedback": {"rating": rating, "tag": self.rng.choice(tags)}})
        if self.rng.random() < REGENERATE_SHARE:
            self.chat(self.client, "chat (regenerate)", {**data, "regenerate": True})

    def new_conversation(self) -> None:
        data = {"model": self.rng.choice(self.plan.models), "title": f"chat {len(self.conversations) + 1}"}
        response = self.client.call("create conversation", "POST", self.plan.paths["conversations"], data)
        if response is not None and response.status_code == 201:
            self.conversations.append(response.json()["id"])


class AbusiveUser(SimulatedUser):
    BEHAVIOURS = ("brute_force", "flood", "scripted")

    def __init__(self, *, index: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.turn = index
        self.script = self.new_client(self.rng.choice(SCRIPTED_AGENTS))

    def step(self) -> None:
        behaviour = self.BEHAVIOURS[self.turn % len(self.BEHAVIOURS)]
        self.turn += 1
        getattr(self, behaviour)()

    def brute_force(self) -> None:
        for _ in range(BRUTE_FORCE_ATTEMPTS):
            guess = {"username": self.plan.brute_force_target, "password": f"guess-{self.rng.randrange(10**6)}"}
            self.client.call("login (brute force)", "POST", self.plan.paths["login"], guess)

    def flood(self) -> None:
        if not self.sign_in(self.client):
            return
        for n in range(FLOOD_MESSAGES):
            if self.plan.stop.is_set():
                return
            data = {"model": self.plan.models[0], "text": f"spam {n} {self.rng.random()}", "max_tokens": 8}
            self.chat(self.client, "chat (flood)", data)

    def scripted(self) -> None:
        if self.sign_in(self.script):
            data = {"model": self.rng.choice(self.plan.models), "text": prompt(self.rng)}
            self.chat(self.script, "chat (scripted client)", data)
        self.think()
