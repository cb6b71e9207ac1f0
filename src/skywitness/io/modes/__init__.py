"""Raw Mode S and ADS-B frames: Beast, AVR, JSON lines; decoding, CPR, NIC, clocks."""
