import Dispatch
import Foundation

/// Turns the first Ctrl-C (SIGINT) or SIGTERM into a graceful stop, the second into an
/// immediate exit.
public enum Interrupts {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// Installs the handlers; call once, from the main thread, before a run.
    public static func stopGracefully(_ flag: StopFlag) {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                if flag.isStopped { _exit(130) }
                flag.stop()
                FileHandle.standardError.write(Data("\nglyphprep: stopping after the files in flight (press Ctrl-C again to abort)\n".utf8))
            }
            source.resume()
            sources.append(source)
        }
    }
}
