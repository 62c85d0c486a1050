"""The demo: what a process sees from inside a minic container."""
import os
import socket

print("Hello from container!")
print(f"hostname: {socket.gethostname()}")
print(f"pid:      {os.getpid()}  (PID 1: the container has its own PID namespace)")
print("mounts:")
with open("/proc/self/mountinfo") as mountinfo:
    for line in mountinfo:
        fields = line.split()
        fstype = fields[fields.index("-") + 1]
        print(f"  {fields[4]:<24} {fstype}")
