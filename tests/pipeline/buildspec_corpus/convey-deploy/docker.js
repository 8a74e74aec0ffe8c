console.log("deploy")
