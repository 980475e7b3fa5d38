#include "events/eviction_parser.hpp"

#include <algorithm>
#include <cctype>

#include "util/text.hpp"

namespace ms {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Value of key="..." or key=value in a structured klog line (quotes may hold escaped quotes).
std::optional<std::string> kv(std::string_view text, std::string_view key) {
  std::string needle = " " + std::string(key) + "=";
  size_t p = text.find(needle);
  if (p == std::string_view::npos) return std::nullopt;
  p += needle.size();
  if (p < text.size() && text[p] == '"') {
    std::string out;
    for (size_t i = p + 1; i < text.size(); ++i) {
      if (text[i] == '\\' && i + 1 < text.size()) {
        char n = text[++i];
        out += n == 'n' ? '\n' : n;
        continue;
      }
      if (text[i] == '"') return out;
      out += text[i];
    }
    return out;  // cut line: keep what is there
  }
  if (p < text.size() && text[p] == '[') {
    size_t e = text.find(']', p);
    return std::string(text.substr(p, e == std::string_view::npos ? std::string_view::npos : e - p + 1));
  }
  size_t e = text.find(' ', p);
  return std::string(text.substr(p, e == std::string_view::npos ? std::string_view::npos : e - p));
}

// pods=["a/b","c/d"] -> {a/b, c/d}
std::vector<std::string> parse_pod_list(std::string_view list) {
  std::vector<std::string> out;
  list = trim(list);
  if (starts_with(list, "[")) list.remove_prefix(1);
  if (ends_with(list, "]")) list.remove_suffix(1);
  for (auto item : split(list, ',')) {
    item = trim(item);
    if (starts_with(item, "\"")) item.remove_prefix(1);
    if (ends_with(item, "\"")) item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
  }
  return out;
}

// "threshold [signal=memory.available, quantity=100Mi] observed -2097758044639028Ki"
bool parse_threshold_text(std::string_view text, std::optional<std::string>& signal,
                          std::optional<std::string>& threshold, std::optional<std::string>& observed) {
  size_t s = text.find("signal=");
  if (s == std::string_view::npos) return false;
  size_t se = text.find_first_of(", ]", s);
  signal = std::string(text.substr(s + 7, se == std::string_view::npos ? std::string_view::npos : se - s - 7));
  size_t q = text.find("quantity=", s);
  if (q != std::string_view::npos) {
    size_t qe = text.find_first_of(", ]", q);
    threshold = std::string(text.substr(q + 9, qe == std::string_view::npos ? std::string_view::npos : qe - q - 9));
  }
  size_t o = text.find("] observed ", s);
  if (o != std::string_view::npos) {
    auto rest = text.substr(o + 11);
    size_t oe = rest.find(' ');
    observed = std::string(rest.substr(0, oe));
  }
  return true;
}

}  // namespace

std::pair<std::string, std::optional<std::string>> normalise_pod_ref(std::string_view ref) {
  ref = trim(ref);
  if (ref.find('/') != std::string_view::npos) return {std::string(ref), std::nullopt};
  std::optional<std::string> uid;
  size_t paren = ref.find('(');
  if (paren != std::string_view::npos && ends_with(ref, ")")) {
    uid = std::string(ref.substr(paren + 1, ref.size() - paren - 2));
    ref = ref.substr(0, paren);
  }
  // format.Pod: name + "_" + namespace; neither may contain '_' (DNS names).
  size_t us = ref.find('_');
  if (us == std::string_view::npos) return {std::string(ref), uid};
  return {std::string(ref.substr(us + 1)) + "/" + std::string(ref.substr(0, us)), uid};
}

std::optional<Eviction> parse_eviction_message(std::string_view text) {
  static constexpr std::string_view kHead = "The node was low on resource: ";
  size_t h = text.find(kHead);
  if (h == std::string_view::npos) return std::nullopt;
  Eviction ev;
  ev.stage = "status";
  std::string_view msg = text.substr(h);
  while (!msg.empty() && (msg.back() == '\'' || msg.back() == '"' || msg.back() == '`')) msg.remove_suffix(1);
  ev.message = std::string(msg);
  std::string_view s = msg.substr(kHead.size());
  size_t dot = s.find(". ");
  std::string_view res = s.substr(0, dot);
  if (ends_with(res, ".")) res.remove_suffix(1);
  ev.resource = std::string(res);
  size_t tq = s.find("Threshold quantity: ");
  if (tq != std::string_view::npos) {
    auto r = s.substr(tq + 20);
    size_t c = r.find(", available: ");
    if (c != std::string_view::npos) {
      ev.threshold = std::string(r.substr(0, c));
      auto a = r.substr(c + 13);
      size_t e = a.find_first_of(". ");
      ev.observed = std::string(a.substr(0, e));
    }
  }
  // "Container NAME was using USAGE, request is REQ, has larger consumption of RES. "
  // "Container NAME was using USAGE, which exceeds its request of REQ. "
  for (std::string_view kind : {"Container ", "Pod "}) {
    size_t p = 0;
    while ((p = s.find(kind, p)) != std::string_view::npos) {
      auto r = s.substr(p + kind.size());
      size_t was = r.find(" was using ");
      if (was == std::string_view::npos) break;
      EvictedContainer c;
      c.name = std::string(r.substr(0, was));
      auto u = r.substr(was + 11);
      size_t comma = u.find(',');
      c.usage = std::string(u.substr(0, comma));
      if (comma != std::string_view::npos) {
        auto tail = u.substr(comma + 1);
        for (std::string_view m : {" request is ", " which exceeds its request of "}) {
          if (starts_with(tail, m)) {
            auto rq = tail.substr(m.size());
            size_t e = rq.find_first_of(", ");
            std::string_view req = rq.substr(0, e);
            if (ends_with(req, ".")) req.remove_suffix(1);
            c.request = std::string(req);
          }
        }
      }
      if (kind == "Container ") ev.containers.push_back(std::move(c));
      p += kind.size() + was;
    }
  }
  return ev;
}

void EvictionParser::emit(const LogLine& line, Eviction ev) {
  Event e;
  e.kind = EventKind::kEviction;
  e.time_us = line.wall_us;
  e.uptime_us = line.uptime_us;
  e.host = line.host;
  if (!ev.resource) ev.resource = resource_;
  // Carry the last threshold observation of this pass only when it is about the same resource.
  bool same = !ev.resource || !signal_ || signal_->find(*ev.resource) != std::string::npos ||
              (*ev.resource == "memory" && signal_->find("emory") != std::string::npos);
  if (same) {
    if (!ev.signal) ev.signal = signal_;
    if (!ev.threshold) ev.threshold = threshold_;
    if (!ev.observed) ev.observed = observed_;
  }
  e.eviction = std::move(ev);
  done_.push_back(std::move(e));
}

void EvictionParser::flush_message() {
  if (!pending_message_) return;
  if (auto ev = parse_eviction_message(*pending_message_)) emit(*pending_line_, std::move(*ev));
  pending_message_.reset();
  pending_line_.reset();
}

void EvictionParser::feed(const LogLine& line) {
  std::string_view text = line.text;
  if (pending_message_) {
    std::string_view t = trim(text);
    if (starts_with(t, "Container ") || starts_with(t, "Pod ") || starts_with(t, "which exceeds") ||
        starts_with(t, "Threshold quantity")) {
      *pending_message_ += " ";
      *pending_message_ += std::string(t);
      return;
    }
    flush_message();
  }
  std::string low = lower(text);
  // Pod/node events: Event(v1.ObjectReference{Kind:"Pod", Namespace:"x", Name:"y", UID:"z"...}): type: 'Warning' reason: 'Evicted' msg
  if (text.find("reason: 'Evicted'") != std::string_view::npos) {
    Eviction ev;
    ev.stage = "evicted";
    auto field = [&](std::string_view key) -> std::optional<std::string> {
      size_t p = text.find(key);
      if (p == std::string_view::npos) return std::nullopt;
      size_t b = p + key.size();
      size_t e = text.find('"', b);
      if (e == std::string_view::npos) return std::nullopt;
      return std::string(text.substr(b, e - b));
    };
    auto ns = field("Namespace:\""), name = field("Name:\"");
    if (ns && name) ev.pod = *ns + "/" + *name;
    ev.pod_uid = field("UID:\"");
    if (auto m = parse_eviction_message(text)) {
      ev.resource = m->resource;
      ev.threshold = m->threshold;
      ev.observed = m->observed;
      ev.containers = m->containers;
      ev.message = m->message;
    }
    emit(line, std::move(ev));
    return;
  }
  // The kubelet's own pod line (eviction_manager.go evictPod: klog.V(3).InfoS("Evicting pod", "pod",
  // klog.KObj(pod), "podUID", pod.UID, "message", evictMsg)) carries the status message in message=,
  // so it must be taken before that message is mistaken for a pod status. The descheduler and the
  // VPA updater log "Evicting pod" too, with pod= only: those are API evictions, not the kubelet's.
  if (starts_with(text, "\"Evicting pod\"") && (kv(text, "podUID") || kv(text, "message"))) {
    Eviction ev;
    ev.stage = "evicting";
    if (auto p = kv(text, "pod")) ev.pod = normalise_pod_ref(*p).first;
    ev.pod_uid = kv(text, "podUID");
    if (auto m = kv(text, "message")) {
      if (auto pm = parse_eviction_message(*m)) {
        ev.resource = pm->resource;
        ev.threshold = pm->threshold;
        ev.observed = pm->observed;
        ev.containers = pm->containers;
      }
      ev.message = *m;
    }
    emit(line, std::move(ev));
    return;
  }
  if (text.find("The node was low on resource: ") != std::string_view::npos) {
    pending_message_ = std::string(text);
    pending_line_ = line;
    return;
  }
  if (text.find("EvictionThresholdMet") != std::string_view::npos) {
    Eviction ev;
    ev.stage = "threshold_met";
    size_t p = text.find("Attempting to reclaim ");
    if (p != std::string_view::npos) ev.resource = std::string(trim(text.substr(p + 22)));
    emit(line, std::move(ev));
    return;
  }
  if (text.find("NodeHasInsufficientMemory") != std::string_view::npos ||
      (starts_with(trim(text), "MemoryPressure") && text.find("True") != std::string_view::npos)) {
    Eviction ev;
    ev.stage = "memory_pressure";
    ev.resource = "memory";
    emit(line, std::move(ev));
    return;
  }
  size_t em = low.find("eviction manager:");
  if (em == std::string::npos) return;
  std::string_view msg = text.substr(em + 17);
  std::string lmsg = lower(msg);
  Eviction ev;
  if (lmsg.find("no resources are starved") != std::string::npos) {
    resource_.reset();
    signal_.reset();
    threshold_.reset();
    observed_.reset();
    return;
  }
  if (lmsg.find("thresholds - ") != std::string::npos) {
    std::optional<std::string> sig, thr, obs;
    if (parse_threshold_text(msg, sig, thr, obs)) {
      signal_ = sig;
      threshold_ = thr;
      observed_ = obs;
      if (lmsg.find("reclaim not satisfied") != std::string::npos) {
        ev.stage = "threshold_observed";
        ev.signal = sig;
        ev.threshold = thr;
        ev.observed = obs;
        emit(line, std::move(ev));
      }
    }
    return;
  }
  if (lmsg.find("threshold observed resource") != std::string::npos) {
    signal_ = kv(text, "signal");
    threshold_ = kv(text, "quantity");
    observed_ = kv(text, "available");
    return;
  }
  if (lmsg.find("node conditions - observed") != std::string::npos) {
    if (msg.find("MemoryPressure") != std::string_view::npos) {
      ev.stage = "memory_pressure";
      ev.resource = "memory";
      emit(line, std::move(ev));
    }
    return;
  }
  auto resource_after = [&](std::string_view marker) -> std::optional<std::string> {
    if (auto r = kv(text, "resourceName")) return r;
    size_t p = lmsg.find(marker);
    if (p == std::string::npos) return std::nullopt;
    auto r = trim(msg.substr(p + marker.size()));
    if (ends_with(r, "\"")) return std::nullopt;
    size_t sp = r.find(' ');
    return std::string(r.substr(0, sp));
  };
  if (lmsg.find("attempting to reclaim") != std::string::npos) {
    ev.stage = "threshold_met";
    ev.resource = resource_after("attempting to reclaim ");
    resource_ = ev.resource;
    emit(line, std::move(ev));
    return;
  }
  if (lmsg.find("must evict pod(s) to reclaim") != std::string::npos) {
    ev.stage = "must_evict";
    ev.resource = resource_after("must evict pod(s) to reclaim ");
    if (ev.resource) resource_ = ev.resource;
    emit(line, std::move(ev));
    return;
  }
  if (lmsg.find("pods ranked for eviction") != std::string::npos) {
    ev.stage = "ranked";
    if (auto pods = kv(text, "pods")) {
      for (auto& p : parse_pod_list(*pods)) ev.ranked.push_back(normalise_pod_ref(p).first);
    } else {
      size_t c = msg.find("eviction: ");
      if (c != std::string_view::npos)
        for (auto item : split(msg.substr(c + 10), ',')) {
          item = trim(item);
          if (!item.empty()) ev.ranked.push_back(normalise_pod_ref(item).first);
        }
    }
    emit(line, std::move(ev));
    return;
  }
  if (lmsg.find("evicted successfully") != std::string::npos) {
    ev.stage = "evicted";
    if (auto p = kv(text, "pod")) {
      auto [ref, uid] = normalise_pod_ref(*p);
      ev.pod = ref;
      ev.pod_uid = uid;
    } else {
      // "pod NAME_NS(UID) evicted successfully" / "pod X is evicted successfully"
      size_t b = lmsg.find("pod ");
      size_t e = lmsg.find(" evicted successfully");
      if (b != std::string::npos && e != std::string::npos && e > b + 4) {
        std::string_view ref = msg.substr(b + 4, e - b - 4);
        if (ends_with(ref, " is")) ref.remove_suffix(3);
        auto [r, uid] = normalise_pod_ref(ref);
        ev.pod = r;
        ev.pod_uid = uid;
      }
    }
    emit(line, std::move(ev));
    return;
  }
  if (lmsg.find("failed to evict") != std::string::npos) {
    ev.stage = "evict_failed";
    if (auto p = kv(text, "pod")) ev.pod = normalise_pod_ref(*p).first;
    emit(line, std::move(ev));
    return;
  }
  // The pod it picked is critical (static or system-node-critical): nothing is evicted this pass.
  if (lmsg.find("cannot evict a critical pod") != std::string::npos) {
    ev.stage = "critical_pod";
    if (auto p = kv(text, "pod")) ev.pod = normalise_pod_ref(*p).first;
    emit(line, std::move(ev));
    return;
  }
  if (lmsg.find("no pods are active to evict") != std::string::npos) {
    ev.stage = "no_pods";
    emit(line, std::move(ev));
    return;
  }
  if (lmsg.find("unable to evict any pods") != std::string::npos) {
    ev.stage = "unable";
    emit(line, std::move(ev));
    return;
  }
}

void EvictionParser::finish() { flush_message(); }

std::vector<Event> EvictionParser::take() {
  std::vector<Event> out = std::move(done_);
  done_.clear();
  return out;
}

}  // namespace ms
