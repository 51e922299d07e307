// LabelledWindows: where a dataset's labelled generators (its anomalies) are active, checked
// against the run's length and moved into it on request (`--anomalies-at`).

import SimCore

extension TrafficSpec {
    var activeWindow: ActiveWindow {
        get { window }
        set {
            switch self {
            case .sessions(var s): s.window = newValue; self = .sessions(s)
            case .scan(var s): s.window = newValue; self = .scan(s)
            case .ping(var s): s.window = newValue; self = .ping(s)
            }
        }
    }
}

extension World {
    /// The labelled generators (name, label) whose window starts at or after `end`: a run that
    /// long contains none of their traffic, so its labels miss them.
    public func labelledWindowsOutside(_ end: SimTime) -> [(generator: String, label: String, start: SimTime)] {
        traffic.filter { $0.label != 0 && $0.window.start >= end }.map {
            ($0.name, labels[Int($0.label)], $0.window.start)
        }
    }

    /// Moves every labelled generator's window to start at `at`, keeping its length (an
    /// open-ended window stays open), so a short run contains every anomaly.
    public mutating func moveLabelledWindows(to at: SimTime) {
        for k in traffic.indices where traffic[k].label != 0 {
            let w = traffic[k].activeWindow
            let end = w.end == ActiveWindow.always.end ? w.end : at + (w.end - w.start)
            traffic[k].activeWindow = ActiveWindow(start: at, end: end)
        }
    }
}
