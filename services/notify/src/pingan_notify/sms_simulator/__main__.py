from pingan_notify.sms_simulator.app import main

main()
